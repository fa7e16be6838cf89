using System.Diagnostics;
using AcqSeg.Contracts;
using AcqSeg.Engine.Training;
using AcqSeg.Hosts.Tests.TrainWorker;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Hosts.Tests.AllRolesHost;

/// <summary>
/// `acqseg run` and `acqseg demo` as their own processes (dotnet acqseg.dll from the test output) stopped with SIGTERM,
/// the way a service manager or `docker stop` stops them; the run while its train worker fine-tunes a tiny network on
/// two corrected 64x64 frames.
/// </summary>
[Collection("torch")]
public sealed class SigtermTests : IDisposable
{
    private const int Epochs = 150;
    private readonly TrainWorkerFixture fx = new();

    [Fact]
    public async Task SigtermDuringTraining_ExitsWithin10sWithACheckpoint_AndTheNextStartResumesFromItAndPublishes()
    {
        foreach (int seed in new[] { 1, 2 }) await StoreAsync(await fx.CorrectedFrameAsync(seed));
        string watch = Directory.CreateDirectory(Path.Combine(fx.Db.Folder, "watch")).FullName;
        string output = Path.Combine(fx.Db.Folder, "out");

        using (var first = StartRun(watch, output))
        {
            await first.WaitForLineAsync(l => l.Contains($": epoch 3/{Epochs} "), TimeSpan.FromMinutes(3));
            await StopsWithin10sAsync(first);
            Assert.Contains("stopped; it resumes from its checkpoint on the next start", first.Output);
        }

        var interrupted = Assert.Single(await fx.Db.Corrections.RunsAsync(TrainWorkerFixture.Model));
        Assert.Equal(TrainingStates.Running, interrupted.State);
        // CheckpointEvery is above the epochs: the only checkpoint before the end is the one the stop wrote.
        var checkpoint = TrainingCheckpoint.TryRead(interrupted.CheckpointDir);
        Assert.NotNull(checkpoint);
        Assert.InRange(checkpoint.NextEpoch, 3, Epochs - 1);

        using (var second = StartRun(watch, output))
        {
            var runs = await fx.RunsWhenAsync(r => r.Count == 1 && r[0].State != TrainingStates.Running, TimeSpan.FromMinutes(4));
            second.Signal(RunningProcess.SigTerm);
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var run = runs[0];
            Assert.True(run.State == TrainingStates.Published, $"{run.State}: {run.Outcome}; output:\n{second.Output}");
            Assert.Equal((interrupted.Id, checkpoint.NextEpoch, 2), (run.Id, run.StartEpoch, run.NewVersion));
            Assert.Contains($"{Epochs} epochs from epoch {checkpoint.NextEpoch}", second.Output);
            Assert.DoesNotContain($": epoch {checkpoint.NextEpoch}/{Epochs} ", second.Output); // epochs before the checkpoint are not trained again
            Assert.Contains($": epoch {checkpoint.NextEpoch + 1}/{Epochs} ", second.Output);
        }
        Assert.Equal(Epochs, TrainingCheckpoint.TryRead(interrupted.CheckpointDir)!.NextEpoch);
    }

    [Fact]
    public async Task SigtermDuringDemo_EndsTheDemoWithin10s()
    {
        using var tmp = new TempFolder("acqseg-demo-stop");
        using var demo = RunningProcess.Start(ChildProcess.DotnetHost(),
            [Path.Combine(AppContext.BaseDirectory, "acqseg.dll"), "demo", "--frames", "1000", "--rate", "2", "--out", tmp.Path,
                "--model", fx.BasePath, "--synthetic-only", "--http", "127.0.0.1:0"]);
        // The demo's status line, once a second: "written N/1000 | segmented ...".
        await demo.WaitForLineAsync(l => l.StartsWith("written ", StringComparison.Ordinal) && !l.StartsWith("written 0/", StringComparison.Ordinal),
            TimeSpan.FromMinutes(2));
        await StopsWithin10sAsync(demo);
        Assert.Contains("demo stopped before it was done", demo.Output);
    }

    /// <summary>Sends SIGTERM and requires the process to be gone within 10 s with exit code 0.</summary>
    private static async Task StopsWithin10sAsync(RunningProcess process)
    {
        var clock = Stopwatch.StartNew();
        process.Signal(RunningProcess.SigTerm);
        int code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var took = clock.Elapsed;
        Assert.True(took < TimeSpan.FromSeconds(10), $"the stop took {took.TotalSeconds:0.0} s; output:\n{process.Output}");
        Assert.True(code == 0, $"exit code {code}; output:\n{process.Output}");
    }

    private Task StoreAsync(CorrectionSubmitted c) => fx.Db.Corrections.TryAddAsync(new CorrectionRow
    {
        Id = c.CorrectionId.ToString(),
        FrameId = c.FrameId.ToString(),
        Model = c.Model,
        ModelVersion = c.ModelVersion,
        MasksPath = c.MasksPath,
        Sha256 = c.Sha256,
        SubmittedAt = Database.Timestamp(c.SubmittedAt),
    });

    private RunningProcess StartRun(string watch, string output) =>
        RunningProcess.Start(ChildProcess.DotnetHost(),
            [Path.Combine(AppContext.BaseDirectory, "acqseg.dll"), "run", "--watch", watch, "--out", output, "--db", fx.Db.Path,
                "--model", fx.BasePath, "--http", "127.0.0.1:0"],
            new Dictionary<string, string>
            {
                [$"Models__Paths__{TrainWorkerFixture.Model}"] = fx.BasePath,
                ["TrainWorker__Epochs"] = Epochs.ToString(),
                ["TrainWorker__CropSize"] = "64",
                ["TrainWorker__CheckpointEvery"] = "1000",
                ["TrainWorker__MinApGain"] = "-1",
                ["Logging__LogLevel__AcqSeg.TrainWorker"] = "Debug",
            });

    public void Dispose() => fx.Dispose();
}
