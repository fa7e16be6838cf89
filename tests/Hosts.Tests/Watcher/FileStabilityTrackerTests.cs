using AcqSeg.Watcher;

namespace AcqSeg.Hosts.Tests.Watcher;

public class FileStabilityTrackerTests
{
    private static readonly DateTime Mtime = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Observe_UnchangedForTheInterval_IsStable()
    {
        var t = new FileStabilityTracker(TimeSpan.FromSeconds(2));
        Assert.False(t.Observe("f", 10, Mtime, T0));
        Assert.False(t.Observe("f", 10, Mtime, T0.AddSeconds(1)));
        Assert.True(t.Observe("f", 10, Mtime, T0.AddSeconds(2)));
    }

    [Fact]
    public void Observe_GrowingFile_RestartsTheInterval()
    {
        var t = new FileStabilityTracker(TimeSpan.FromSeconds(2));
        t.Observe("f", 10, Mtime, T0);
        Assert.False(t.Observe("f", 20, Mtime.AddSeconds(1), T0.AddSeconds(2)));
        Assert.False(t.Observe("f", 20, Mtime.AddSeconds(1), T0.AddSeconds(3)));
        Assert.True(t.Observe("f", 20, Mtime.AddSeconds(1), T0.AddSeconds(4)));
    }

    [Fact]
    public void AcquisitionOf_FileInSubfolder_IsRootNameAndSubPath()
    {
        string root = Path.Combine(Path.GetTempPath(), "run42");
        Assert.Equal("run42/plate1", AcquisitionWatcher.AcquisitionOf([root], Path.Combine(root, "plate1", "f.tif")));
        Assert.Equal("run42", AcquisitionWatcher.AcquisitionOf([root], Path.Combine(root, "f.tif")));
    }
}
