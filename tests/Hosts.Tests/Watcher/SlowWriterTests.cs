using AcqSeg.Hosts.Tests.AllRolesHost;
using AcqSeg.Imaging.Io;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using AcqSeg.TestSupport;

namespace AcqSeg.Hosts.Tests.Watcher;

/// <summary>
/// A TIFF written slowly (directory first, pixels later, a pause in between) ends as one frame in one terminal state
/// (issue 20, item 1).
/// </summary>
[Collection("torch")]
public sealed class SlowWriterTests
{
    private static (byte[] Whole, int Half) Frame()
    {
        var image = TiffReader.Read(SharedData.Reference("synth_256.tif"));
        var whole = DirectoryFirstTiff.FromImage(image.Channel(0).ToArray(), image.Width, image.Height);
        return (whole, whole.Length / 2);
    }

    private static Dictionary<string, string?> Grace(int ms) => new() { ["Watcher:InvalidTiffGraceMilliseconds"] = ms.ToString() };

    [SkippableFact]
    public async Task HalfWrittenFile_WhoseDirectoryIsWhole_WaitsForItsPixels_AndEndsAsOneSegmentedFrame()
    {
        var (whole, half) = Frame();
        using var tmp = new TempFolder("acqseg-slow");
        await using var service = await EmbeddedService.StartAsync(tmp, Grace(60_000));
        string path = Path.Combine(service.Watch, "slow.tif");
        // The header and directory are whole: reading them alone took this for a complete frame and failed it as truncated.
        await File.WriteAllBytesAsync(path, whole[..half]);
        TiffReader.ReadMetadata(path);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Empty(await service.Frames.ListAsync());

        await using (var rest = new FileStream(path, FileMode.Append)) await rest.WriteAsync(whole.AsMemory(half));
        var rows = await service.FramesWhenAsync(r => r.Count > 0 && r.All(f => FrameStates.Terminal.Contains(f.State)));
        var frame = Assert.Single(rows);
        Assert.Contains(frame.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
        Assert.Equal(await FileHash.Sha256Async(path), frame.Sha256);
    }

    [SkippableFact]
    public async Task FileThatFailedAsTruncated_ThenChanges_IsRetriedAsTheSameFrame()
    {
        var (whole, half) = Frame();
        using var tmp = new TempFolder("acqseg-slow");
        // A writer pausing longer than the grace: the half file is published and fails as truncated.
        await using var service = await EmbeddedService.StartAsync(tmp, Grace(200));
        string path = Path.Combine(service.Watch, "paused.tif");
        await File.WriteAllBytesAsync(path, whole[..half]);
        var failed = Assert.Single(await service.FramesWhenAsync(r => r.Count > 0 && r[0].State == FrameStates.Failed));
        Assert.Contains("beyond the end of the file", failed.Reason);

        await using (var rest = new FileStream(path, FileMode.Append)) await rest.WriteAsync(whole.AsMemory(half));
        var rows = await service.FramesWhenAsync(r => r.Any(f => f.State is FrameStates.Segmented or FrameStates.Flagged));
        var frame = Assert.Single(rows);
        Assert.Equal(failed.Id, frame.Id);
        Assert.Null(frame.Reason);
        Assert.Equal((await FileHash.Sha256Async(path), (long)whole.Length), (frame.Sha256, frame.SizeBytes));
        Assert.True(File.Exists(frame.MasksPath), frame.MasksPath);
    }
}
