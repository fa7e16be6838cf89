using AcqSeg.Cli;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Hosts.Tests.AllRolesHost;

/// <summary>`acqseg run --exit-when-idle` over a temporary watch folder: every role in one process.</summary>
[Collection("torch")]
public class RunCommandEndToEndTests
{
    [SkippableFact]
    public async Task Run_TwoGoodFramesAndOneCorrupt_EachEndsInExactlyOneTerminalState()
    {
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        string synth = SharedData.Reference("synth_256.tif");
        using var tmp = new TempFolder("acqseg-run");
        string watch = tmp.Sub("watch");
        string output = tmp.Sub("out");
        File.Copy(synth, Path.Combine(watch, "a.tif"));
        Directory.CreateDirectory(Path.Combine(watch, "plate1"));
        File.Copy(synth, Path.Combine(watch, "plate1", "b.tif"));
        File.WriteAllBytes(Path.Combine(watch, "corrupt.tif"), [0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);
        File.WriteAllText(Path.Combine(watch, "notes.txt"), "not a frame");

        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(["run", "--watch", watch, "--out", output, "--model", model, "--http", "127.0.0.1:0",
            "--exit-when-idle", "1", "--stable-seconds", "0.3"], o, e);

        Assert.True(code == CliApp.InputFailed, $"exit {code}; stdout {o}; stderr {e}");
        var db = new Database(new DatabaseOptions { ConnectionString = Path.Combine(output, "acqseg.db") });
        var frames = await new FrameStore(db).ListAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.Contains(f.State, FrameStates.Terminal));
        var failed = Assert.Single(frames, f => f.State == FrameStates.Failed);
        Assert.EndsWith("corrupt.tif", failed.Path);
        Assert.False(string.IsNullOrWhiteSpace(failed.Reason));
        var done = frames.Where(f => f.State is FrameStates.Segmented or FrameStates.Flagged).ToList();
        Assert.Equal(2, done.Count);
        Assert.All(done, f => Assert.True(File.Exists(f.MasksPath), f.MasksPath));
        Assert.All(done, f => Assert.True(File.Exists(f.ObjectsPath), f.ObjectsPath));
        Assert.All(done, f => Assert.Equal(Path.GetFileNameWithoutExtension(f.Path) + "_cp_masks.tif", Path.GetFileName(f.MasksPath)));
        Assert.Contains(done, f => f.Acquisition == "watch/plate1");
        Assert.Contains("Failed 1", o.ToString());
    }
}
