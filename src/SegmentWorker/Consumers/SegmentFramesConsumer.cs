using System.Runtime.ExceptionServices;
using AcqSeg.Contracts;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Memory;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker.Consumers;

/// <summary>
/// Segments a batch of acquired frames (up to SegmentWorker:BatchSize, taken within SegmentWorker:BatchWaitMilliseconds of
/// the first; <see cref="SegmentFramesConsumerDefinition"/>). Every frame is started, read and recorded on its own
/// (<see cref="FrameSegmentation"/>), as with one frame at a time; frames of one model version, one size and one planned
/// diameter share their network passes (<see cref="AcquisitionDiameters.SegmentBatch"/>). A fault ends only its frame: a
/// permanent one fails it; a transient one with attempts left is thrown once the other frames are recorded. MassTransit then
/// retries the batch, in which the recorded frames are found done and skipped, so only the faulted frame runs again. Frames
/// that ended are marked consumed before the throw, so that a fault the retry policy does not take reaches only its frame's
/// message (the error queue gets no copy of a batch-mate).
/// </summary>
public sealed partial class SegmentFramesConsumer(
    FrameSegmentation steps, ModelCache models, AcquisitionDiameters diameters, IOptions<SegmentWorkerOptions> options,
    ILogger<SegmentFramesConsumer> logger) : IConsumer<Batch<FrameAcquired>>
{
    /// <summary>What a batch's network passes are shared by: frames of one size and channel count at one diameter
    /// (<paramref name="Alone"/> sets a frame apart: 0 for frames that may share).</summary>
    private readonly record struct PassKey(int Height, int Width, int Channels, double Diameter, int Alone);

    public async Task Consume(ConsumeContext<Batch<FrameAcquired>> context)
    {
        var ended = new List<ConsumeContext<FrameAcquired>>();
        var pending = new List<ExceptionDispatchInfo>();
        var flying = new HashSet<FrameJob>();
        var read = new List<FrameJob>();
        try
        {
            foreach (var message in context.Message)
            {
                try
                {
                    FrameJob? job;
                    using (steps.Scope(message.Message)) job = await steps.StartAsync(message, context.GetRetryAttempt());
                    if (job is null)
                    {
                        ended.Add(message);
                        continue;
                    }
                    AcqSegMetrics.FramesInFlight.Inc();
                    flying.Add(job);
                    if (await RunAsync(job, async () => await steps.ReadAsync(job) || End(job))) read.Add(job);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // As for one frame: a fault before the frame is known to be Acquired goes to the retry policy as it is.
                    pending.Add(ExceptionDispatchInfo.Capture(ex));
                }
            }

            // Frames of a model in the batch's order; the model's lease is held while its frames run.
            foreach (var model in read.GroupBy(j => j.Message.Model, StringComparer.Ordinal))
                await SegmentModelAsync(model.ToList(), context.CancellationToken);

            foreach (var job in read.Where(j => j.Result is not null))
                await RunAsync(job, async () =>
                {
                    await steps.FinishAsync(job);
                    return End(job);
                });
        }
        finally
        {
            foreach (var _ in flying) AcqSegMetrics.FramesInFlight.Dec();
        }

        if (pending.Count == 0) return;
        // When the retry policy does not take the fault, or has no attempt left, the failure reaches every message of the
        // batch; the frames that ended are marked consumed, so that only the faulted frames' messages fault.
        foreach (var done in ended) await done.NotifyConsumed(done, done.ReceiveContext.ElapsedTime, nameof(SegmentFramesConsumer));
        LogRetrying(pending.Count, context.Message.Length, pending[0].SourceException.Message);
        pending[0].Throw();

        // The frame reached its terminal state (or was skipped): false, so that a step ending it stops there.
        bool End(FrameJob job)
        {
            ended.Add(job.Context);
            if (flying.Remove(job)) AcqSegMetrics.FramesInFlight.Dec();
            return false;
        }

        // One frame's step (true: go on with the frame); a fault fails the frame, or is kept for the retry policy.
        async Task<bool> RunAsync(FrameJob job, Func<Task<bool>> step)
        {
            using var scope = steps.Scope(job.Message);
            try
            {
                return await step();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                job.Result = null;
                try
                {
                    if (await steps.TryFailAsync(job, ex)) return End(job);
                    pending.Add(ExceptionDispatchInfo.Capture(ex));
                }
                catch (Exception failing) when (failing is not OperationCanceledException)
                {
                    pending.Add(ExceptionDispatchInfo.Capture(failing));
                }
                if (flying.Remove(job)) AcqSegMetrics.FramesInFlight.Dec();
                return false;
            }
        }

        // Under the model's lease: each frame's planned diameter (a frame whose acquisition has no estimate yet is estimated
        // alone first), then one shared pass per size and diameter. A pass that fails runs its frames one by one, so that
        // only a frame that fails on its own is failed.
        async Task SegmentModelAsync(List<FrameJob> jobs, CancellationToken cancel)
        {
            ModelCache.Lease lease;
            try
            {
                lease = await models.AcquireAsync(jobs[0].Message.Model, cancel);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                foreach (var job in jobs) await RunAsync(job, () => Task.FromException<bool>(ex));
                return;
            }
            using (lease)
            {
                // The worker's settings, with the thresholds chosen for this version's weights where it sets none.
                var s = options.Value.ToSettings(lease.Thresholds);
                var planned = new List<(FrameJob Job, PassKey Key)>();
                foreach (var job in jobs)
                {
                    await RunAsync(job, () =>
                    {
                        FrameSegmenter.ValidateChannels(job.Image, s);
                        job.ModelVersion = lease.Version;
                        if (diameters.PlannedDiameter(lease, job.Message.Acquisition, s) is { } diameter)
                            planned.Add((job, KeyOf(job.Image, diameter, planned.Count)));
                        else
                            Segmented(job, diameters.Segment(lease, job.Message.Acquisition, job.Image, s, cancel));
                        return Task.FromResult(true);
                    });
                }
                foreach (var pass in planned.GroupBy(p => p.Key, p => p.Job))
                {
                    var group = pass.ToList();
                    IReadOnlyList<SegmentationResult>? results = null;
                    try
                    {
                        results = diameters.SegmentBatch(lease, group.Select(j => j.Message.Acquisition).ToList(), group.Select(j => j.Image).ToList(), s, cancel);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException && group.Count > 1)
                    {
                        LogPassFailed(group.Count, lease.Name, ex.Message);
                    }
                    if (results is not null)
                    {
                        for (int i = 0; i < group.Count; i++) Segmented(group[i], results[i]);
                        if (results.Max(r => r.NetworkBatch) is > 1 and int shared) AcqSegMetrics.SegmentBatchFrames.WithLabels(lease.Name).Observe(shared);
                        continue;
                    }
                    foreach (var job in group)
                    {
                        await RunAsync(job, () =>
                        {
                            Segmented(job, diameters.Segment(lease, job.Message.Acquisition, job.Image, s, cancel));
                            return Task.FromResult(true);
                        });
                    }
                }
            }
        }
    }

    /// <summary>The frame's segmentation; a frame that had a network pass of its own is observed here, shared passes once
    /// per pass by the caller.</summary>
    private static void Segmented(FrameJob job, SegmentationResult result)
    {
        job.Result = result;
        if (result.NetworkBatch == 1) AcqSegMetrics.SegmentBatchFrames.WithLabels(job.Message.Model).Observe(1);
    }

    /// <summary>Frames of a size that gets the large-frame memory treatment run alone: their tiles stacked would multiply it.</summary>
    private static PassKey KeyOf(Imaging.Io.ImageData image, double diameter, int index)
    {
        bool large = (long)image.Height * image.Width >= LargeFrames.PixelThreshold;
        return new PassKey(image.Height, image.Width, image.Channels, diameter, large ? index + 1 : 0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A network pass shared by {FrameCount} frames of {Model} failed ({Problem}); running them one by one")]
    private partial void LogPassFailed(int frameCount, string model, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "{FaultedCount} of {BatchCount} frames of a batch hit a fault before their terminal state ({Problem}); the batch goes back to the retry policy, its other frames are recorded")]
    private partial void LogRetrying(int faultedCount, int batchCount, string problem);
}
