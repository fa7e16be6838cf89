using AcqSeg.Contracts;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using AcqSeg.TrainWorker;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Hosts.Tests.TrainWorker;

/// <summary>The train worker in the in-memory harness: tiny base network, 64x64 frames, 2-3 epochs.</summary>
[Collection("torch")]
public sealed class TrainWorkerTests : IDisposable
{
    private readonly TrainWorkerFixture fx = new();

    [Fact]
    public async Task ThreeCorrections_WithNotWorseRuleMet_PublishesVersion2WithFullLineage()
    {
        var corrections = new[] { await fx.CorrectedFrameAsync(1), await fx.CorrectedFrameAsync(2), await fx.CorrectedFrameAsync(3) };
        await using var provider = fx.Provider(new() { ["TrainWorker:PendingThreshold"] = "3", ["TrainWorker:MinApGain"] = "-1" });
        var harness = await TrainWorkerFixture.StartAsync(provider);

        foreach (var c in corrections) await harness.Bus.Publish(c);

        var published = Assert.Single(await TrainWorkerFixture.PublishedAsync<ModelPublished>(harness, 1));
        Assert.Equal((TrainWorkerFixture.Model, 2, 1), (published.Model, published.Version, published.ParentVersion));
        Assert.NotNull(published.ApBefore);
        Assert.NotNull(published.ApAfter);
        Assert.Equal(Path.Combine(fx.VersionsRoot, TrainWorkerFixture.Model, "v2.pth"), published.Path);
        Assert.Equal(await FileHash.Sha256Async(published.Path), published.Sha256);

        var runs = await fx.RunsWhenAsync(r => r.Count == 1 && r[0].State != TrainingStates.Running);
        var run = runs[0];
        Assert.Equal(TrainingStates.Published, run.State);
        Assert.Equal((3, 2, 1), (run.Corrections, run.TrainFrames, run.HeldOutFrames));
        Assert.Equal(("online", 2, 2), (run.Schedule, run.Epochs, run.NewVersion));
        Assert.Equal(published.ApBefore, run.ApBefore);
        Assert.Equal(published.ApAfter, run.ApAfter);
        Assert.Contains("published v2", run.Outcome);
        var heldOut = HoldOut.Split(await fx.Db.Corrections.ClaimedForModelAsync(TrainWorkerFixture.Model), 0.2, _ => true);
        Assert.Equal(heldOut.Train.Sum(c => TrainWorkerFixture.Objects(c.MasksPath)), run.Rois);
        Assert.True(run.Rois > 0);

        var lineage = await fx.Db.Models.LineageAsync(TrainWorkerFixture.Model);
        Assert.Equal([1, 2], lineage.Select(v => v.Version));
        Assert.Equal((1, run.Id), (lineage[1].ParentVersion, lineage[1].TrainingRunId));
        Assert.Equal(0, await fx.Db.Corrections.PendingCountAsync(TrainWorkerFixture.Model));
        // The registry (what segment workers load) now resolves the lineage to the new file.
        var latest = await provider.GetRequiredService<ModelRegistry>().LiveAsync(TrainWorkerFixture.Model);
        Assert.Equal((2, published.Path), (latest.Version, latest.Path));
        Assert.True(File.Exists(latest.Path));

        // Where the CPU has native bf16, the new version's bf16 masks were checked against its exact ones on the held-back
        // frame, and segment workers' auto precision follows that check; elsewhere there is nothing to check.
        var (check, _, reason) = AcqSeg.Models.Precision.Bf16Check.Beside(published.Path);
        if (AcqSeg.Engine.Inference.NetworkPrecisionExtensions.CpuHasNativeBf16)
        {
            Assert.True(check is not null, reason);
            Assert.Equal(run.HeldOutFrames, check!.Images);
            Assert.Equal(Path.Combine(fx.VersionsRoot, TrainWorkerFixture.Model, "v2_bf16.json"), AcqSeg.Models.Precision.Bf16Check.PathBeside(published.Path));
            Assert.Contains("bf16 against exact on the held-back frames", run.Outcome);
        }
        else
        {
            Assert.Null(check);
            Assert.DoesNotContain("bf16", run.Outcome);
        }
    }

    [Fact]
    public async Task Correction_WithGainThatCannotBeMet_RecordsRejectionWithBothScoresAndPublishesNothing()
    {
        var a = await fx.CorrectedFrameAsync(1);
        var b = await fx.CorrectedFrameAsync(2);
        await using var provider = fx.Provider(new() { ["TrainWorker:PendingThreshold"] = "2", ["TrainWorker:MinApGain"] = "1" });
        var harness = await TrainWorkerFixture.StartAsync(provider);

        await harness.Bus.Publish(a);
        await harness.Bus.Publish(b);

        var run = (await fx.RunsWhenAsync(r => r.Count == 1 && r[0].State != TrainingStates.Running))[0];
        Assert.Equal(TrainingStates.Rejected, run.State);
        Assert.NotNull(run.ApBefore);
        Assert.NotNull(run.ApAfter);
        Assert.Null(run.NewVersion);
        Assert.Contains("rejected", run.Outcome);
        Assert.Contains("v1 stays current", run.Outcome);
        Assert.Equal((1, 1), (run.TrainFrames, run.HeldOutFrames));
        Assert.Empty(harness.Published.Select<ModelPublished>());
        Assert.Equal([1], (await fx.Db.Models.LineageAsync(TrainWorkerFixture.Model)).Select(v => v.Version));
        Assert.False(File.Exists(Path.Combine(fx.VersionsRoot, TrainWorkerFixture.Model, "v2.pth")));
    }

    [Fact]
    public async Task SecondCorrection_DuringRunningTraining_WaitsForTheNextRound()
    {
        var first = await fx.CorrectedFrameAsync(1);
        var second = await fx.CorrectedFrameAsync(2);
        var observer = new PausingObserver(pauseAtCheckpoint: 1, untilCancelled: false);
        await using var provider = fx.Provider(new() { ["TrainWorker:MinApGain"] = "-1", ["TrainWorker:CheckpointEvery"] = "1" }, observer);
        var harness = await TrainWorkerFixture.StartAsync(provider);

        await harness.Bus.Publish(first);
        await observer.Paused.WaitAsync(TimeSpan.FromMinutes(2));
        await harness.Bus.Publish(second);
        await fx.PendingWhenAsync(1);

        var during = await fx.Db.Corrections.RunsAsync(TrainWorkerFixture.Model);
        Assert.Equal(TrainingStates.Running, Assert.Single(during).State);
        Assert.Equal(1, during[0].Corrections);
        observer.Resume();

        var runs = await fx.RunsWhenAsync(r => r.Count == 2 && r.All(x => x.State != TrainingStates.Running));
        Assert.Equal(TrainingStates.Published, runs[0].State);
        Assert.Equal((1, 1, 0), (runs[0].Corrections, runs[0].TrainFrames, runs[0].HeldOutFrames));
        // The second round claims the new correction; the second frame is the only one v2 never saw, so it must be held
        // back, and the candidate could train only on the first frame, which made v2: the round is skipped, not trained.
        Assert.Equal((TrainingStates.Rejected, 1), (runs[1].State, runs[1].Corrections));
        Assert.Null(runs[1].NewVersion);
        Assert.StartsWith("skipped:", runs[1].Outcome);
        Assert.Contains("v2 stays current", runs[1].Outcome);
        Assert.Null(runs[1].ApAfter);

        // A third correction gives the next round a frame v2 never learnt from (one unseen frame is still held back).
        await harness.Bus.Publish(await fx.CorrectedFrameAsync(3));
        runs = await fx.RunsWhenAsync(r => r.Count == 3 && r.All(x => x.State != TrainingStates.Running));
        Assert.Equal(TrainingStates.Published, runs[2].State);
        Assert.Equal((1, 2, 1), (runs[2].Corrections, runs[2].TrainFrames, runs[2].HeldOutFrames));
        Assert.Equal([(2, 1), (3, 2)], new[] { runs[0], runs[2] }.Select(r => (r.NewVersion!.Value, r.BaseVersion)));
        Assert.Equal(0, await fx.Db.Corrections.PendingCountAsync(TrainWorkerFixture.Model));
        var lineage = await fx.Db.Models.LineageAsync(TrainWorkerFixture.Model);
        Assert.Equal([null, 1, 2], lineage.Select(v => v.ParentVersion));
        Assert.Equal([2, 3], (await TrainWorkerFixture.PublishedAsync<ModelPublished>(harness, 2)).Select(m => m.Version));

        // The round after that publish trains: the frame v3's run held back is new to v3.
        Assert.Single(runs[2].HeldOutFrameIds!.Split(','));
        await harness.Bus.Publish(await fx.CorrectedFrameAsync(4));
        runs = await fx.RunsWhenAsync(r => r.Count == 4 && r.All(x => x.State != TrainingStates.Running));
        Assert.Equal((TrainingStates.Published, 4), (runs[3].State, runs[3].NewVersion));
        Assert.Equal((3, 1), (runs[3].TrainFrames, runs[3].HeldOutFrames));
    }

    [Fact]
    public async Task RunInterruptedByShutdown_ResumesFromItsCheckpointOnTheNextStart()
    {
        var correction = await fx.CorrectedFrameAsync(1);
        var settings = new Dictionary<string, string?> { ["TrainWorker:MinApGain"] = "-1", ["TrainWorker:CheckpointEvery"] = "1", ["TrainWorker:Epochs"] = "3" };
        var stopper = new PausingObserver(pauseAtCheckpoint: 1, untilCancelled: true);
        await using (var provider = fx.Provider(settings, stopper))
        {
            var harness = await TrainWorkerFixture.StartAsync(provider);
            await harness.Bus.Publish(correction);
            await stopper.Paused.WaitAsync(TimeSpan.FromMinutes(2));
            await TrainWorkerFixture.StopTrainingAsync(provider);
        }
        var interrupted = Assert.Single(await fx.Db.Corrections.RunsAsync(TrainWorkerFixture.Model));
        Assert.Equal(TrainingStates.Running, interrupted.State);
        Assert.Equal(1, TrainingCheckpoint.TryRead(interrupted.CheckpointDir)!.NextEpoch);

        var watcher = new PausingObserver(pauseAtCheckpoint: -1, untilCancelled: false);
        await using (var provider = fx.Provider(settings, watcher))
        {
            var harness = await TrainWorkerFixture.StartAsync(provider);
            Assert.Equal(2, Assert.Single(await TrainWorkerFixture.PublishedAsync<ModelPublished>(harness, 1)).Version);
        }
        var run = Assert.Single(await fx.Db.Corrections.RunsAsync(TrainWorkerFixture.Model));
        Assert.Equal((interrupted.Id, TrainingStates.Published, 1, 2), (run.Id, run.State, run.StartEpoch, run.NewVersion));
        Assert.Equal([1, 2], watcher.Epochs);
        Assert.Equal(3, TrainingCheckpoint.TryRead(interrupted.CheckpointDir)!.NextEpoch);
    }

    public void Dispose() => fx.Dispose();

    /// <summary>Pauses a run once its checkpoint for <c>pauseAtCheckpoint</c> is written: until <see cref="Resume"/>, or
    /// until the run is cancelled (a shutdown). Records the epochs it sees.</summary>
    private sealed class PausingObserver(int pauseAtCheckpoint, bool untilCancelled) : ITrainingObserver
    {
        private readonly SemaphoreSlim paused = new(0);
        private readonly SemaphoreSlim resume = new(0);
        private int pausedOnce;

        public List<int> Epochs { get; } = [];
        public SemaphoreSlim Paused => paused;

        public void Resume() => resume.Release();

        public void EpochFinished(TrainingRunRow run, EpochReport report)
        {
            lock (Epochs) Epochs.Add(report.Epoch);
        }

        public void CheckpointSaved(TrainingRunRow run, int nextEpoch, CancellationToken cancel)
        {
            if (nextEpoch != pauseAtCheckpoint || Interlocked.Exchange(ref pausedOnce, 1) == 1) return;
            paused.Release();
            if (untilCancelled) cancel.WaitHandle.WaitOne();
            else resume.Wait(cancel);
            cancel.ThrowIfCancellationRequested();
        }
    }
}
