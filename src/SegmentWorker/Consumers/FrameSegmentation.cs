using System.Data.Common;
using System.Diagnostics;
using AcqSeg.Contracts;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Models.Assignment;
using AcqSeg.Persistence;
using AcqSeg.SegmentWorker.ModelChoice;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker.Consumers;

/// <summary>One frame on its way through the worker: its message (with the model once chosen), its pixels and its clock.</summary>
/// <param name="retryAttempt">the delivery's retry attempt (MassTransit retries a batch as a whole: the batch's attempt)</param>
public sealed class FrameJob(ConsumeContext<FrameAcquired> context, int retryAttempt)
{
    public ConsumeContext<FrameAcquired> Context { get; } = context;
    public int RetryAttempt { get; } = retryAttempt;
    public FrameAcquired Message { get; set; } = context.Message;
    public ImageData Image { get; set; } = null!;
    public double ReadSeconds { get; set; }
    /// <summary>When the frame's writer finished: the start of the file-to-result latency a controller on the event stream sees.</summary>
    public DateTimeOffset FileWrittenAt { get; set; }
    /// <summary>Runs from the frame's read to its record: in a batch it includes the batch-mates' shared work.</summary>
    public Stopwatch Clock { get; } = new();
    public SegmentationResult? Result { get; set; }
    public int ModelVersion { get; set; }
}

/// <summary>
/// The steps that take one acquired frame to exactly one terminal state: Segmented, Flagged (quality gate) or Failed (a
/// permanent fault such as a corrupt TIFF). Transient faults are thrown for the retry policy; on the last attempt they
/// fail the frame too, so nothing stays Acquired. <see cref="SegmentFramesConsumer"/> runs them for each frame of a batch
/// around the network passes it shares between frames.
/// </summary>
public sealed partial class FrameSegmentation(
    FrameStore frames, QualityGate gate, ITrainingStyles trainingStyles, ModelAssignments assignments, IModelSuggester suggester,
    IOptions<SegmentWorkerOptions> options, ILogger<FrameSegmentation> logger)
{
    public IDisposable? Scope(FrameAcquired m) => logger.BeginScope("Frame {FrameId} of {Acquisition}", m.FrameId, m.Acquisition);

    /// <summary>The frame to segment, or null when it is done already or its message is superseded.</summary>
    /// <param name="retryAttempt">the retry attempt of the delivery the frame came with (its batch's)</param>
    public async Task<FrameJob?> StartAsync(ConsumeContext<FrameAcquired> context, int retryAttempt)
    {
        var m = context.Message;
        var frame = await frames.GetAsync(m.FrameId, context.CancellationToken);
        if (frame is null || frame.State != FrameStates.Acquired)
        {
            LogAlreadyDone(m.FrameId, frame?.State ?? "missing");
            return null;
        }
        if (frame.Sha256 != m.Sha256)
        {
            // The file changed after this message was sent; the message for the new content follows.
            LogAlreadyDone(m.FrameId, "superseded by newer content of its file");
            return null;
        }
        return new FrameJob(context, Math.Max(retryAttempt, context.GetRetryAttempt()));
    }

    /// <summary>Reads the frame's plane and settles its model; false when its file changed since it was registered.</summary>
    public async Task<bool> ReadAsync(FrameJob job)
    {
        var o = options.Value;
        var m = job.Message;
        var cancel = job.Context.CancellationToken;
        job.Clock.Start();
        var image = ReadSinglePlane(m.Path, o);
        var fileWrittenAt = new DateTimeOffset(File.GetLastWriteTimeUtc(m.Path), TimeSpan.Zero);
        if (await FileHash.Sha256Async(m.Path, cancel) != m.Sha256)
        {
            // The file changed after the watcher registered it (a writer still at work): this message's content is gone.
            // The watcher registers the new content as this same frame and publishes it again; recording a result now
            // would end the frame before its new content is seen (the soak found such frames recorded twice).
            LogAlreadyDone(m.FrameId, "its file changed after it was registered; the new content follows");
            return false;
        }
        job.ReadSeconds = job.Clock.Elapsed.TotalSeconds;
        job.FileWrittenAt = fileWrittenAt;
        job.Image = image;
        if (m.Model.Length == 0) job.Message = m with { Model = await ChooseModelAsync(job.Context, m, image, cancel) };
        return true;
    }

    /// <summary>Writes the outputs, applies the quality gate, records the frame's terminal state and announces it.</summary>
    public async Task FinishAsync(FrameJob job)
    {
        var o = options.Value;
        var m = job.Message;
        var context = job.Context;
        var cancel = context.CancellationToken;
        var result = job.Result ?? throw new InvalidOperationException($"frame {m.FrameId} has no segmentation to record");
        var image = job.Image;
        int version = job.ModelVersion;

        var plain = FrameOutputs.PathsFor(o.OutputRoot, m.Acquisition, m.Path, m.FrameId, o);
        bool plainTaken = await frames.OtherImageWithMasksAtAsync(plain.Masks, m.Path, cancel) is not null;
        var write = Stopwatch.StartNew();
        var paths = await WriteOutputsAsync(m, plainTaken, image, result, cancel);
        result.Timings.Read = job.ReadSeconds;
        result.Timings.Write = write.Elapsed.TotalSeconds;
        result.Timings.Total = job.Clock.Elapsed.TotalSeconds;

        int objects = result.Masks.CountObjects();
        double meanArea = FrameStatistics.MeanObjectArea(result.Masks.Labels, objects);
        double meanCellprob = FrameStatistics.MeanCellprobInMasks(result.Masks.Labels, result.Network.CellProb);
        var recent = await frames.RecentObjectCountsAsync(m.Acquisition, m.FrameId, gate.HistoryWindow, cancel);
        var styles = await trainingStyles.ForModelAsync(m.Model, version, cancel);
        var reasons = gate.Evaluate(new FrameQuality(objects, result.MaskStats.MasksBeforeQc, result.MaskStats.DroppedByFlowQc,
            meanCellprob, result.Network.Style, recent, styles));
        bool flagged = reasons.Count > 0;

        var record = new SegmentationRecord(m.FrameId, flagged, version, paths.Masks, paths.Flows, paths.Outlines, paths.Objects,
            FrameStatistics.From(result, objects, meanCellprob), reasons, m.Sha256);
        if (!await frames.TryCompleteAsync(record, cancel))
        {
            LogAlreadyDone(m.FrameId, "completed meanwhile, or its file changed while it was segmented");
            return;
        }

        var now = DateTimeOffset.UtcNow;
        await context.Publish(new FrameSegmented(m.FrameId, m.Acquisition, m.Path, m.Model, version, objects, paths.Masks, paths.Flows,
            paths.Outlines, paths.Objects, flagged, result.Timings.Total, now, meanArea, reasons.Select(r => r.Reason).ToList(), m.AcquiredAt,
            job.FileWrittenAt), cancel);
        if (flagged)
        {
            await context.Publish(new FrameFlaggedForReview(m.FrameId, m.Acquisition, m.Model, version,
                reasons.Select(r => r.Reason).ToList(), paths.Masks, now), cancel);
        }

        RecordMetrics(m, result.Timings, reasons);
        LogSegmented(m.FrameId, objects, m.Model, version, result.Diameter, result.DiameterSource, result.Timings.Total,
            flagged ? string.Join(",", reasons.Select(r => r.Reason)) : "none");
    }

    /// <summary>
    /// A fault of this frame: a permanent one, or a transient one on the last attempt, fails the frame (true); a transient
    /// one with attempts left is for the retry policy (false: the caller throws it once its other frames are done).
    /// </summary>
    public async Task<bool> TryFailAsync(FrameJob job, Exception ex)
    {
        if (ex is OperationCanceledException || (IsTransient(ex) && job.RetryAttempt < options.Value.RetryLimit)) return false;
        string kind = ex is TiffReadException t ? t.Kind.ToString() : IsTransient(ex) ? "transient_exhausted" : ex.GetType().Name;
        string reason = ex is TiffReadException tr ? tr.Reason : ex.Message;
        await FailAsync(job.Context, job.Message, kind, reason, job.Context.CancellationToken);
        return true;
    }

    /// <summary>Fixes named when a frame's pages have no stated axes; the service has no --axes, the writer of the frames states them.</summary>
    private const string AxesFix =
        "write the frames with ImageJ hyperstack or OME-TIFF axes (e.g. tifffile.imwrite(..., imagej=True, metadata={'axes': 'ZYX'})), one plane " +
        "per file, or segment the file with `acqseg segment --axes ZYX|TYX|CYX`";

    /// <summary>
    /// A frame is one plane with its channels. A Z or T stack is refused rather than flattened: its masks, flows, object
    /// table, quality gate and review would all need a plane axis the service's outputs and database do not have.
    /// Plain multi-page frames follow the CLI's rule (<see cref="StackLayout.Resolve"/>): channels only for 2-3 pages
    /// with a channel chosen in SegmentWorker:Chan/Chan2.
    /// </summary>
    public static ImageData ReadSinglePlane(string path, SegmentWorkerOptions o)
    {
        var layout = StackLayout.Resolve(path, TiffReader.ReadMetadata(path), given: null, channelsNamed: o.Chan > 0 || o.Chan2 > 0, AxesFix);
        if (layout.IsStack)
            throw new TiffReadException(path, TiffErrorKind.UnsupportedFormat,
                $"{layout.Describe()} ({layout.Source} axes {layout.Axes}); the service segments single-plane frames: segment the stack with " +
                "`acqseg segment` (plane by plane into one label stack, --stitch-threshold to join Z planes), or have the acquisition write one plane per file");
        return TiffReader.Read(path, layout.PlaneOptions(0, 0));
    }

    /// <summary>
    /// The first frame of an acquisition nobody assigned a model to: the acquisition's model is chosen here, where the
    /// networks are, by this frame's style (Cellpose 2.0's suggestion), stored for its later frames and announced.
    /// Frames registered before the choice was stored arrive unassigned too and find it stored.
    /// </summary>
    private async Task<string> ChooseModelAsync(ConsumeContext<FrameAcquired> context, FrameAcquired m, ImageData image, CancellationToken cancel)
    {
        var (choice, announce) = await assignments.ChooseAsync(m.Acquisition, () => suggester.SuggestAsync(m.Acquisition, image, cancel), cancel);
        await frames.SetChosenModelAsync(m.FrameId, choice.Model, cancel);
        if (announce is not null) await context.Publish(announce, cancel);
        LogModelChosen(m.FrameId, m.Acquisition, choice.Model, choice.Source);
        return choice.Model;
    }

    /// <summary>
    /// Writes the outputs, waiting out a fault of the output disk (full, unmounted, read-only) with back-off for
    /// SegmentWorker:OutputRetrySeconds. The segmentation stays in memory, so a short fault costs neither the frame nor a
    /// second network pass; past the window the frame fails with a message naming the file and the fix.
    /// </summary>
    private async Task<OutputPaths> WriteOutputsAsync(FrameAcquired m, bool plainTaken, ImageData image, SegmentationResult result, CancellationToken cancel)
    {
        var o = options.Value;
        var clock = Stopwatch.StartNew();
        var window = TimeSpan.FromSeconds(o.OutputRetrySeconds);
        var delay = TimeSpan.FromMilliseconds(o.OutputRetryMinMilliseconds);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var paths = FrameOutputs.Write(o.OutputRoot, m.Acquisition, m.Path, m.FrameId, o, plainTaken, image, result);
                if (attempt > 1) LogOutputRecovered(m.FrameId, attempt, clock.Elapsed.TotalSeconds);
                return paths;
            }
            catch (OutputWriteException ex)
            {
                if (clock.Elapsed + delay > window)
                    throw new OutputWriteException(ex.OutputPath, new IOException(
                        $"{ex.InnerException!.Message} (still failing after {attempt} attempts over {clock.Elapsed.TotalSeconds:F0} s). Free space on the " +
                        $"output disk, remount it or fix its permissions, then run 'acqseg requeue --db DB --reason \"cannot write\"' to segment the frame again"));
                LogOutputRetry(m.FrameId, ex.OutputPath, ex.InnerException!.Message, delay.TotalSeconds, (window - clock.Elapsed).TotalSeconds);
                AcqSegMetrics.OutputWriteRetries.Inc();
                await Task.Delay(delay, cancel);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, o.OutputRetryMaxMilliseconds));
            }
        }
    }

    private async Task FailAsync(ConsumeContext<FrameAcquired> context, FrameAcquired m, string kind, string reason, CancellationToken cancel)
    {
        if (!await frames.TryFailAsync(m.FrameId, reason, cancel, m.Sha256))
        {
            LogAlreadyDone(m.FrameId, "done meanwhile, or its file changed while it was read");
            return;
        }
        await context.Publish(new FrameFailed(m.FrameId, m.Acquisition, m.Path, reason, DateTimeOffset.UtcNow), cancel);
        AcqSegMetrics.FramesFailed.WithLabels(m.Acquisition, kind).Inc();
        LogFailed(m.FrameId, m.Path, kind, reason);
    }

    private static void RecordMetrics(FrameAcquired m, StageTimings t, IReadOnlyList<ReviewReason> reasons)
    {
        AcqSegMetrics.FramesSegmented.WithLabels(m.Acquisition, m.Model).Inc();
        foreach (var r in reasons) AcqSegMetrics.FramesFlagged.WithLabels(m.Acquisition, m.Model, r.Reason).Inc();
        var h = AcqSegMetrics.SegmentSeconds;
        h.WithLabels("read", m.Model).Observe(t.Read);
        h.WithLabels("normalize", m.Model).Observe(t.Normalize);
        h.WithLabels("network", m.Model).Observe(t.Network);
        h.WithLabels("dynamics", m.Model).Observe(t.Dynamics);
        h.WithLabels("flow_qc", m.Model).Observe(t.FlowQc);
        if (t.SizeEstimate > 0) h.WithLabels("size_estimate", m.Model).Observe(t.SizeEstimate);
        h.WithLabels("write", m.Model).Observe(t.Write);
        h.WithLabels("total", m.Model).Observe(t.Total);
    }

    /// <summary>Faults that a retry cannot fix: the frame fails with the reason (so does any other non-transient fault,
    /// so that no frame is left Acquired).</summary>
    public static bool IsPermanent(Exception ex) => ex is TiffReadException or OutputWriteException or FileNotFoundException or DirectoryNotFoundException
        or ArgumentException or ModelFileException or ModelNotFoundException or InvalidOperationException;

    /// <summary>Faults worth retrying with back-off (a locked file, a busy database, a network blip).</summary>
    public static bool IsTransient(Exception ex) => !IsPermanent(ex) && ex is IOException or TimeoutException or DbException;

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame {FrameId}: {ObjectCount} objects with {Model} v{ModelVersion} at diameter {Diameter:F1} px ({DiameterSource}) in {Seconds:F2} s, review reasons {Reasons}")]
    private partial void LogSegmented(Guid frameId, int objectCount, string model, int modelVersion, double diameter, string diameterSource, double seconds, string reasons);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Frame {FrameId} failed ({Kind}): {Path}: {Reason}")]
    private partial void LogFailed(Guid frameId, string path, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Frame {FrameId}: cannot write {OutputPath} ({Problem}); trying again in {DelaySeconds:F1} s, for up to {RemainingSeconds:F0} s more")]
    private partial void LogOutputRetry(Guid frameId, string outputPath, string problem, double delaySeconds, double remainingSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame {FrameId}: outputs written on attempt {Attempt}, {Seconds:F1} s after the first failure")]
    private partial void LogOutputRecovered(Guid frameId, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame {FrameId}: acquisition {Acquisition} uses model {Model} (by {AssignmentSource})")]
    private partial void LogModelChosen(Guid frameId, string acquisition, string model, string assignmentSource);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Frame {FrameId} skipped: {State}")]
    private partial void LogAlreadyDone(Guid frameId, string state);
}
