using System.Diagnostics;
using System.Globalization;
using AcqSeg.Contracts;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace AcqSeg.TrainWorker;

/// <summary>
/// Carries one claimed training run to its end: fine-tunes the lineage's base model (its first version) on the corrected
/// frames the run may use, from its checkpoint when a previous attempt was interrupted; scores the current version and
/// the candidate on the held-back frames; publishes the candidate as the next version when it is not worse, otherwise
/// records why. Cancellation leaves the run Running with its checkpoint, so the next start resumes it.
/// </summary>
public sealed partial class LineageTrainer(
    CorrectionStore corrections, ModelStore models, ModelRegistry registry, IBus bus, IEnumerable<ITrainingObserver> observers,
    IOptions<TrainWorkerOptions> options, ILogger<LineageTrainer> logger)
{
    public const string CandidateFile = "model.pth";

    /// <summary>Where a run keeps its checkpoint and candidate model.</summary>
    public static string RunFolder(string workRoot, string model, string runId) => Path.Combine(Path.GetFullPath(workRoot), model, runId);

    public async Task RunAsync(TrainingRunRow run, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var scope = logger.BeginScope("Training run {RunId} of {Model}", run.Id, run.Model);
        AcqSegMetrics.TrainingRuns.WithLabels(run.Model, "started").Inc();
        try
        {
            await TrainScoreAndDecideAsync(run, clock, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            LogInterrupted(run.Id, run.Model);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            string reason = $"{ex.GetType().Name}: {ex.Message}";
            if (await corrections.FinishRunAsync(run.Id, TrainingStates.Failed, null, null, null, reason, clock.Elapsed.TotalSeconds, CancellationToken.None))
            {
                AcqSegMetrics.TrainingRuns.WithLabels(run.Model, "failed").Inc();
            }
            LogFailed(ex, run.Id, run.Model, reason);
        }
        finally
        {
            AcqSegMetrics.TrainingSeconds.WithLabels(run.Model).Observe(clock.Elapsed.TotalSeconds);
        }
    }

    private async Task TrainScoreAndDecideAsync(TrainingRunRow run, Stopwatch clock, CancellationToken cancel)
    {
        var o = options.Value;
        if (!LineageName.IsSafe(run.Model)) throw new InvalidOperationException($"model name '{run.Model}' is not a plain lineage name");
        var device = DeviceChoice.Parse(o.Device);
        var current = await registry.LiveAsync(run.Model, cancel);
        var baseVersion = await models.BaseAsync(run.Model, cancel)
            ?? throw new InvalidOperationException($"model '{run.Model}' has no base version in the database");

        // A version already registered by this run means the previous attempt stopped after publishing it.
        var lineage = await models.LineageAsync(run.Model, cancel);
        if (lineage.FirstOrDefault(v => v.TrainingRunId == run.Id) is { } done)
        {
            await FinishPublishedAsync(run, done, clock, cancel);
            return;
        }

        var claimed = await corrections.ClaimedForModelAsync(run.Model, cancel);
        if (claimed.Count == 0) throw new InvalidOperationException($"run {run.Id} has no corrected frames to train on");
        var madeBy = lineage.FirstOrDefault(v => v.Version == current.Version)?.TrainingRunId;
        var split = HoldOut.Split(claimed, o.HoldOutFraction, HoldOut.UnseenBy(current.Version, madeBy, await corrections.RunsAsync(run.Model, cancel)));
        if (split.NewToCurrent == 0)
        {
            // Training would take minutes to relearn the current version from its own frames; wait for the next correction.
            string why = split.ScoredOnTrainingFrames
                ? $"skipped: v{current.Version} was trained on all {claimed.Count} corrected frames already; nothing new to learn; v{current.Version} stays current"
                : $"skipped: every frame this run could train on was already learnt by v{current.Version}, and the {split.Scored.Count} frame(s) "
                    + $"it has not seen must be held back to judge a candidate; the next corrected frame starts a round that learns from them; v{current.Version} stays current";
            if (await corrections.FinishRunAsync(run.Id, TrainingStates.Rejected, null, null, null, why, clock.Elapsed.TotalSeconds, CancellationToken.None))
                AcqSegMetrics.TrainingRuns.WithLabels(run.Model, "rejected").Inc();
            LogRejected(run.Id, run.Model, why);
            return;
        }
        var samples = await TrainingThread.RunAsync(o.TrainingThreads, o.Nice, _ => Load(split.Train, o, cancel));

        var schedule = TrainSchedule.Named(run.Schedule ?? "online") with { Epochs = run.Epochs ?? o.Epochs };
        int seed = run.Seed ?? o.Seed;
        string folder = RunFolder(o.WorkRoot, run.Model, run.Id);
        string checkpointDir = string.IsNullOrEmpty(run.CheckpointDir) ? Path.Combine(folder, "checkpoint") : run.CheckpointDir;
        var resume = TrainingCheckpoint.TryRead(checkpointDir);
        bool resumable = resume is not null && resume.Epochs == schedule.Epochs && resume.Schedule == schedule.Name && resume.Seed == seed
            && resume.TrainImages == samples.Count;
        int startEpoch = resumable ? Math.Min(resume!.NextEpoch, schedule.Epochs) : 0;
        int rois = samples.Sum(s => s.Objects);
        await corrections.RecordTrainingSetAsync(run.Id, split.Train.Count, split.ScoredOnTrainingFrames ? [] : split.Scored.Select(c => c.FrameId).ToList(),
            rois, startEpoch, cancel);
        LogStarting(run.Id, run.Model, split.Train.Count, rois, split.ScoredOnTrainingFrames ? 0 : split.Scored.Count, schedule.Name, schedule.Epochs, startEpoch);

        string candidate = Path.Combine(folder, CandidateFile);
        var scored = split.Scored.Select(c => (c.ImagePath, c.MasksPath)).ToList();
        // Training and scoring on the run's own thread, with its share of the cores (TrainingThread).
        var (apBefore, candidateScores) = await TrainingThread.RunAsync(o.TrainingThreads, o.Nice, share =>
        {
            if (share.Problem is null) LogShare(run.Id, share.Threads, Environment.ProcessorCount, share.Nice);
            else LogShareNotApplied(run.Id, share.Threads, Environment.ProcessorCount, share.Nice, share.Problem);
            Train(run, baseVersion.Path, samples, schedule, seed, device, checkpointDir, startEpoch, candidate, cancel);
            return (FineTuning.MeanAp50(current.Path, scored, o.Chan, o.Chan2, device, cancel),
                FineTuning.Score(candidate, scored, o.Chan, o.Chan2, device, cancel));
        });
        double apAfter = candidateScores.Count == 0 ? double.NaN : candidateScores.Average(c => c.Ap50);
        AcqSegMetrics.TrainingAp.WithLabels(run.Model, "current").Set(apBefore);
        AcqSegMetrics.TrainingAp.WithLabels(run.Model, "candidate").Set(apAfter);
        cancel.ThrowIfCancellationRequested();

        string on = split.ScoredOnTrainingFrames
            ? (claimed.Count == 1 ? "its only corrected frame (also trained on; nothing could be held back)"
                : $"the {claimed.Count} frames it trained on (none of them is unseen by v{current.Version}, so none could be held back)")
            : $"{scored.Count} held-back frame(s)";
        var inv = CultureInfo.InvariantCulture;
        if (!(apAfter >= apBefore + o.MinApGain))
        {
            string why = string.Create(inv,
                $"rejected: candidate AP@0.5 {apAfter:0.0000} < current v{current.Version} {apBefore:0.0000} + min gain {o.MinApGain:0.####} on {on}; v{current.Version} stays current");
            if (await corrections.FinishRunAsync(run.Id, TrainingStates.Rejected, apBefore, apAfter, null, why, clock.Elapsed.TotalSeconds, CancellationToken.None))
                AcqSegMetrics.TrainingRuns.WithLabels(run.Model, "rejected").Inc();
            LogRejected(run.Id, run.Model, why);
            return;
        }

        int version = current.Version + 1;
        string path = registry.VersionPath(run.Model, version);
        FileHash.WriteAtomically(path, temp => File.Copy(candidate, temp, overwrite: true));
        var row = new ModelVersionRow
        {
            Model = run.Model,
            Version = version,
            Path = Path.GetFullPath(path),
            Sha256 = await FileHash.Sha256Async(path, cancel),
            ParentVersion = current.Version,
            TrainingRunId = run.Id,
            ApBefore = apBefore,
            ApAfter = apAfter,
            CreatedAt = Database.Timestamp(DateTimeOffset.UtcNow),
        };
        if (!await models.TryAddVersionAsync(row, CancellationToken.None))
            throw new InvalidOperationException($"model '{run.Model}' version {version} exists already; another writer published it");
        // The candidate's exact masks from its scoring pass are the version's (the same weights): the check adds only the bf16 pass.
        string bf16 = await CheckBf16Async(run, path, split.ScoredOnTrainingFrames
            ? []
            : split.Scored.Select((c, i) => (c.ImagePath, (double?)candidateScores[i].Diameter, (LabelImage?)candidateScores[i].Masks)).ToList(), device);
        string outcome = string.Create(inv,
            $"published v{version}: AP@0.5 {apBefore:0.0000} (v{current.Version}) -> {apAfter:0.0000} on {on}{bf16}");
        await FinishPublishedAsync(run, row, clock, CancellationToken.None, outcome);
    }

    /// <summary>
    /// Where this CPU has native bf16, checks the new version's bf16 masks against its exact ones on the run's held-back
    /// frames and keeps the check beside the version (vN_bf16.json), so that segment workers' `Precision: auto` runs it in
    /// bf16 only if every frame reaches AP@0.5 0.99 (Bf16Check); without a check, or with no held-back frame, they run
    /// float32, which gives the exact masks. Returns the clause the run's outcome records.
    /// </summary>
    /// <param name="heldBack">each held-back frame with the diameter it was scored at and the candidate's exact masks there</param>
    private async Task<string> CheckBf16Async(TrainingRunRow run, string versionPath, IReadOnlyList<(string Image, double? Diameter, LabelImage? Exact)> heldBack,
        DeviceChoice device)
    {
        if (heldBack.Count == 0 || !NetworkPrecisionExtensions.CpuHasNativeBf16) return "";
        var o = options.Value;
        var scores = await TrainingThread.RunAsync(o.TrainingThreads, o.Nice, _ =>
        {
            using var model = CellposeModel.Load(versionPath, device);
            return model.Device.type == TorchSharp.DeviceType.CPU
                ? Bf16Parity.Measure(model, heldBack, o.Chan, o.Chan2)
                : [];
        });
        if (scores.Count == 0) return "";
        var check = Bf16Parity.Check(versionPath, scores, ["held-back frames of run " + run.Id]);
        check.SaveBeside(versionPath);
        LogBf16Checked(run.Id, run.Model, check.MinAp50, scores.Count, check.Holds);
        return string.Create(CultureInfo.InvariantCulture,
            $"; bf16 against exact on the held-back frames: lowest AP@0.5 {check.MinAp50:0.0000}, so auto runs it in {(check.Holds ? "bf16" : "float32")}");
    }

    private async Task FinishPublishedAsync(TrainingRunRow run, ModelVersionRow version, Stopwatch clock, CancellationToken cancel, string? outcome = null)
    {
        outcome ??= string.Create(CultureInfo.InvariantCulture, $"published v{version.Version} (recorded before a restart)");
        if (await corrections.FinishRunAsync(run.Id, TrainingStates.Published, version.ApBefore, version.ApAfter, version.Version, outcome,
                clock.Elapsed.TotalSeconds, cancel))
            AcqSegMetrics.TrainingRuns.WithLabels(run.Model, "published").Inc();
        await bus.Publish(new ModelPublished(run.Model, version.Version, version.Path, version.Sha256, version.ParentVersion, version.ApBefore,
            version.ApAfter, DateTimeOffset.UtcNow), cancel);
        AcqSegMetrics.ModelVersionInfo.WithLabels(run.Model).Set(version.Version);
        LogPublished(run.Id, run.Model, version.Version, outcome);
    }

    /// <summary>The corrected frames with their flows, one after the other on the run's thread (at its priority).</summary>
    private static List<TrainingSample> Load(IReadOnlyList<CorrectionRow> rows, TrainWorkerOptions o, CancellationToken cancel)
    {
        var samples = new List<TrainingSample>(rows.Count);
        foreach (var r in rows)
        {
            cancel.ThrowIfCancellationRequested();
            samples.Add(TrainingData.Prepare(r.FrameId, TiffReader.Read(r.ImagePath), TiffReader.ReadLabels(r.MasksPath), o.Chan, o.Chan2));
        }
        return samples;
    }

    private void Train(TrainingRunRow run, string basePath, IReadOnlyList<TrainingSample> samples, TrainSchedule schedule, int seed,
        DeviceChoice deviceChoice, string checkpointDir, int startEpoch, string candidate, CancellationToken cancel)
    {
        var device = deviceChoice.Resolve();
        torch.manual_seed(seed);
        using var net = startEpoch > 0
            ? CellposeWeights.LoadNetwork(Path.Combine(checkpointDir, TrainingCheckpoint.NetworkFile))
            : CellposeWeights.LoadNetwork(basePath);
        net.to(device);
        if (startEpoch < schedule.Epochs)
        {
            var trainer = new CellposeTrainer(net, device, new TrainOptions
            {
                Schedule = schedule, Seed = seed, CheckpointEvery = options.Value.CheckpointEvery, TestEvery = 0, CropSize = options.Value.CropSize,
            });
            trainer.Train(samples, startEpoch, cancel,
                onEpoch: report =>
                {
                    LogEpoch(run.Id, report.Epoch + 1, report.Epochs, report.TrainLoss);
                    foreach (var o in observers) o.EpochFinished(run, report);
                },
                checkpoint: (next, optimizer) =>
                {
                    TrainingCheckpoint.Save(checkpointDir, net, optimizer, new CheckpointInfo
                    {
                        NextEpoch = next, Epochs = schedule.Epochs, Schedule = schedule.Name, Seed = seed, Widths = net.Widths.ToArray(),
                        TrainImages = samples.Count, Saved = DateTimeOffset.UtcNow,
                    });
                    foreach (var o in observers) o.CheckpointSaved(run, next, cancel);
                },
                restoreOptimizer: startEpoch > 0 ? optimizer => TrainingCheckpoint.RestoreOptimizer(checkpointDir, optimizer) : null);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(candidate)!);
        CellposeWeights.Save(net, candidate);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {Model}: bf16 against exact on {Frames} held-back frame(s), lowest AP@0.5 {MinAp50}; auto runs bf16: {Holds}")]
    private partial void LogBf16Checked(string runId, string model, double minAp50, int frames, bool holds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {Model}: training on {TrainFrames} frame(s), {Rois} ROIs, {HeldOut} held back, {Schedule} schedule, {Epochs} epochs from epoch {StartEpoch}")]
    private partial void LogStarting(string runId, string model, int trainFrames, int rois, int heldOut, string schedule, int epochs, int startEpoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: training on {Threads} thread(s) of {Cores} at nice {Nice}")]
    private partial void LogShare(string runId, int threads, int cores, int nice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: training on {Threads} thread(s) of {Cores} at nice {Nice}; its share could not be applied in full ({Problem}), so it may slow segmentation in this process")]
    private partial void LogShareNotApplied(string runId, int threads, int cores, int nice, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId}: epoch {Epoch}/{Epochs} loss {Loss:0.0000}")]
    private partial void LogEpoch(string runId, int epoch, int epochs, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {Model}: model version {ModelVersion}: {Outcome}")]
    private partial void LogPublished(string runId, string model, int modelVersion, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {Model}: {Outcome}")]
    private partial void LogRejected(string runId, string model, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} of {Model} stopped; it resumes from its checkpoint on the next start")]
    private partial void LogInterrupted(string runId, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} of {Model} failed: {Reason}")]
    private partial void LogFailed(Exception ex, string runId, string model, string reason);
}
