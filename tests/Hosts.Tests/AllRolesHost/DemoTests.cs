using AcqSeg.AllRolesHost.Demo;
using AcqSeg.Cli;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Hosts.Tests.AllRolesHost;

/// <summary>`acqseg demo`: the simulated microscope feeding the embedded service, and the numbers of its live view.</summary>
[Collection("torch")]
public class DemoTests
{
    [SkippableFact]
    public async Task Demo_ThreeFramesAtHighRate_EachWrittenFrameIsSegmentedAndCounted()
    {
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        string real = SharedData.RealFolder("dsb2018_fluo_nuclei");
        using var tmp = new TempFolder("acqseg-demo");

        var o = new StringWriter();
        var e = new StringWriter();

        int code = CliApp.Run(["demo", "--frames", "3", "--rate", "50", "--out", tmp.Path, "--model", model, "--real", real,
            "--exit-when-idle", "0.5", "--http", "127.0.0.1:0"], o, e);

        string output = o.ToString();
        Assert.True(code == CliApp.Ok, $"exit {code}; stdout {output}; stderr {e}");
        Assert.Matches(@"3 frames written, 3 acquired, 3 segmented \(\d flagged\), 0 failed; latency mean \d+\.\d\d s", output);
        Assert.Contains("written 3/3 | segmented 3", output);
        // The header counts the frames as written: 2 synthetic, 1 replaying a real image.
        Assert.Contains("(2 synthetic and 1 real, replaying 1 of ", output);
        // Frames 0 and 2 are synthetic, frame 1 replays the first real image.
        var written = Directory.GetFiles(Path.Combine(tmp.Path, "acquisitions"), "*.tif", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        string firstReal = Path.GetFileNameWithoutExtension(Directory.GetFiles(real, "*_img.tif").Order(StringComparer.Ordinal).First());
        Assert.Equal(["frame_0000_synthetic.tif", $"frame_0001_{firstReal}.tif", "frame_0002_synthetic.tif"], written);
        var frames = await new FrameStore(new Database(new DatabaseOptions { ConnectionString = Path.Combine(tmp.Path, "segmented", "acqseg.db") })).ListAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.True(f.State is FrameStates.Segmented or FrameStates.Flagged, $"{f.Path}: {f.State} {f.Reason}"));
        Assert.All(frames, f => Assert.True(File.Exists(f.MasksPath), f.MasksPath));
    }

    [SkippableFact]
    public async Task Demo_LiveLine_AppearsAtOnce_WithTheFramesAlreadyWritten()
    {
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-demo");
        var view = new FirstLine();
        // A refresh period far longer than the test: only a line drawn before the first refresh can arrive.
        var settings = new DemoSettings
        {
            Folder = tmp.Path, ModelName = "m", ModelPath = model, FramesPerSecond = 0.01, Frames = 2, Http = "127.0.0.1:0",
            RefreshEvery = TimeSpan.FromHours(1),
        };
        using var cancel = new CancellationTokenSource();
        var run = new DemoRun(settings, view, viewIsTerminal: false).RunAsync(cancel.Token);

        string line = await view.Line.Task.WaitAsync(TimeSpan.FromMinutes(2));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        // Frame 0 is written as the microscope starts (beside the line, off the demo's thread), frame 1 100 s later.
        Assert.Matches(@"^written [01]/2 \| segmented ", line);
    }

    [Fact]
    public async Task Microscope_BehindItsRate_WritesOffTheCallersThread_AndAStopEndsTheWriting()
    {
        using var tmp = new TempFolder("acqseg-microscope");
        const int frames = 40;
        var microscope = new SimulatedMicroscope(new MicroscopeSettings { Folder = tmp.Path, FramesPerSecond = 1000, Frames = frames, Seed = 1 },
            new LateClock());
        using var stop = new CancellationTokenSource();

        var writing = microscope.RunAsync(stop.Token);

        // Every frame is overdue on this clock: a microscope that wrote on the caller's thread returned only when done.
        Assert.False(writing.IsCompleted, $"RunAsync returned after writing all {microscope.Written} frames on the caller's thread");
        while (microscope.Written < 2) await Task.Delay(10);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writing);
        int written = microscope.Written;
        Assert.InRange(written, 2, frames - 1);
        Assert.Equal(written, Directory.GetFiles(tmp.Path, "*.tif").Length);
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.part"));
    }

    /// <summary>A clock an hour further on at every reading, so each frame is already due when the microscope looks.</summary>
    private sealed class LateClock : TimeProvider
    {
        private long readings;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch + TimeSpan.FromHours(Interlocked.Increment(ref readings));
    }

    [Theory]
    [InlineData(3, 5, "2 synthetic and 1 real, replaying 1 of 5 real images")]
    [InlineData(20, 7, "10 synthetic and 10 real, replaying 7 of 7 real images in turn")]
    [InlineData(4, 0, "all 4 synthetic")]
    [InlineData(1, 3, "1 synthetic frame")]
    public void DemoHeader_CountsSyntheticAndRealFramesAsTheMicroscopeWritesThem(int frames, int realImages, string expected)
    {
        Assert.Equal(expected, AcqSeg.Cli.Commands.DemoCommand.Mix(frames, realImages));
        int real = Enumerable.Range(0, frames).Count(i => SimulatedMicroscope.IsReal(i, realImages));
        Assert.Equal(real, SimulatedMicroscope.RealFrames(frames, realImages));
    }

    /// <summary>A view that completes with its first line.</summary>
    private sealed class FirstLine : StringWriter
    {
        public TaskCompletionSource<string> Line { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void WriteLine(string? value) => Line.TrySetResult(value ?? "");
    }

    [Fact]
    public void Snapshot_CountsOutcomesRateAndLatencyOfCompletedFrames()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
        FrameRow Row(string state, double acquired, double? completed) => new()
        {
            State = state,
            AcquiredAt = Database.Timestamp(t0.AddSeconds(acquired)),
            CompletedAt = completed is double c ? Database.Timestamp(t0.AddSeconds(c)) : null,
        };
        var rows = new[]
        {
            Row(FrameStates.Segmented, 0, 1), Row(FrameStates.Flagged, 1, 4), Row(FrameStates.Accepted, 2, 4),
            Row(FrameStates.Failed, 3, 3.5), Row(FrameStates.Acquired, 5, null),
        };

        var s = PipelineSnapshot.From(rows, t0.AddSeconds(6), TimeSpan.FromSeconds(5), t0);

        Assert.Equal((5, 3, 2, 1, 1), (s.Acquired, s.Segmented, s.Flagged, s.Failed, s.Waiting));
        Assert.Equal(4, s.Done);
        // Completed within the last 5 s (t >= 1): all four finished frames, over a 5 s window.
        Assert.Equal(4 / 5.0, s.FramesPerSecond, 9);
        // Latencies of segmented frames 1, 3, 2 s (the failed one has none).
        Assert.Equal(2.0, s.MeanLatencySeconds!.Value, 9);
        Assert.Equal(3.0, s.P95LatencySeconds!.Value, 9);
    }

    [Fact]
    public void Percentile_NearestRank() =>
        Assert.Equal((1.0, 5.0, 10.0), (PipelineSnapshot.Percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1), PipelineSnapshot.Percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), PipelineSnapshot.Percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)));
}
