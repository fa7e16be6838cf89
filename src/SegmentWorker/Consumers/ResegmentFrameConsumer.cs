using System.Diagnostics;
using AcqSeg.Contracts;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Models.Sizing;
using AcqSeg.Models.Zoo;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker.Consumers;

/// <summary>
/// A curator's Re-segment from the editor (<see cref="ResegmentFrame"/>): the frame runs again through its lineage's live
/// version with the requested diameter and thresholds, and the masks are written as a proposal of their own
/// (OutputRoot/.resegmented/FRAME/REQUEST_cp_masks.tif). The frame's recorded segmentation, state and quality gate are
/// left alone: the curator edits the proposal and saves it as a correction, or drops it. Each request ends exactly once,
/// Done or Failed with a reason that names the input and the fix.
/// </summary>
public sealed partial class ResegmentFrameConsumer(
    FrameStore frames, ResegmentationStore requests, ModelCache models, AcquisitionDiameters diameters, IOptions<SegmentWorkerOptions> options,
    ILogger<ResegmentFrameConsumer> logger) : IConsumer<ResegmentFrame>
{
    /// <summary>The folder under SegmentWorker:OutputRoot that holds the proposals (outside the mirrored acquisition tree).</summary>
    public const string Folder = ".resegmented";

    public async Task Consume(ConsumeContext<ResegmentFrame> context)
    {
        var m = context.Message;
        var cancel = context.CancellationToken;
        var request = await requests.GetAsync(m.RequestId, cancel);
        if (request is null || request.State != ResegmentationStates.Requested)
        {
            LogSkipped(m.RequestId, m.FrameId, request?.State ?? "unknown to this database");
            return;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            var (result, version, s, masksPath) = await RunAsync(m, cancel);
            int objects = result.Masks.CountObjects();
            // The thresholds run as float32; recorded as the decimals they were given in (0.4, not 0.4000000059604645).
            double flow = Math.Round(s.FlowThreshold, 6), cellprob = Math.Round(s.CellprobThreshold, 6);
            var now = DateTimeOffset.UtcNow;
            var outcome = new ResegmentationOutcome(version, result.Diameter, result.DiameterSource, flow, cellprob, objects,
                masksPath, clock.Elapsed.TotalSeconds, now);
            if (!await requests.TryCompleteAsync(m.RequestId, outcome, cancel))
            {
                LogSkipped(m.RequestId, m.FrameId, "ended meanwhile");
                return;
            }
            await context.Publish(new FrameResegmented(m.RequestId, m.FrameId, m.Model, version, objects, masksPath, result.Diameter,
                result.DiameterSource, flow, cellprob, outcome.Seconds, now), cancel);
            AcqSegMetrics.Resegmentations.WithLabels(m.Model, "done").Inc();
            LogDone(m.RequestId, m.FrameId, m.RequestedBy, objects, m.Model, version, result.Diameter, result.DiameterSource, flow, cellprob,
                outcome.Seconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException &&
                                   (!FrameSegmentation.IsTransient(ex) || context.GetRetryAttempt() >= options.Value.RetryLimit))
        {
            string reason = ex is TiffReadException t ? t.Reason : ex.Message;
            if (!await requests.TryFailAsync(m.RequestId, reason, DateTimeOffset.UtcNow, cancel)) return;
            await context.Publish(new FrameResegmentFailed(m.RequestId, m.FrameId, reason, DateTimeOffset.UtcNow), cancel);
            AcqSegMetrics.Resegmentations.WithLabels(m.Model, "failed").Inc();
            LogFailed(m.RequestId, m.FrameId, reason);
        }
    }

    /// <summary>The worker's settings with the request's diameter and thresholds where it gives them.</summary>
    private SegmentSettings SettingsFor(ResegmentFrame m, MaskThresholds? chosen)
    {
        var s = options.Value.ToSettings(chosen);
        return s with
        {
            Diameter = m.Diameter ?? s.Diameter,
            FlowThreshold = m.FlowThreshold is { } f ? (float)f : s.FlowThreshold,
            CellprobThreshold = m.CellprobThreshold is { } c ? (float)c : s.CellprobThreshold,
        };
    }

    private async Task<(SegmentationResult Result, int Version, SegmentSettings Settings, string MasksPath)> RunAsync(ResegmentFrame m, CancellationToken cancel)
    {
        var frame = await frames.GetAsync(m.FrameId, cancel)
            ?? throw new InvalidOperationException($"frame {m.FrameId} does not exist in this service's database");
        if (frame.Sha256 != m.Sha256)
            throw new InvalidOperationException($"frame {m.FrameId}'s file {frame.Path} was registered with new content after the request; reopen the frame and re-segment it again");
        var o = options.Value;
        var image = FrameSegmentation.ReadSinglePlane(frame.Path, o);
        if (await FileHash.Sha256Async(frame.Path, cancel) != m.Sha256)
            throw new InvalidOperationException($"frame {m.FrameId}'s file {frame.Path} has changed on disk since it was segmented; its new content will be segmented as it arrives, reopen the frame then");
        using var lease = await models.AcquireAsync(m.Model, cancel);
        var s = SettingsFor(m, lease.Thresholds);
        FrameSegmenter.ValidateChannels(image, s);
        SegmentationResult result;
        if (m.Diameter is 0)
        {
            // An estimate on this frame alone, whatever the acquisition holds: the curator asked the size model to look again.
            var size = lease.SizeModel ?? SizeModel.LoadBeside(lease.WeightsPath, lease.Model.Network.StyleLength)
                ?? throw new InvalidOperationException(
                    $"{m.Model} version {lease.Version} has no size model beside {lease.WeightsPath}, so diameter 0 cannot be estimated; give the objects' diameter in pixels");
            result = new FrameSegmenter(lease.Model, size).Segment(image, s with { Diameter = 0 }, cancel);
        }
        else
        {
            result = diameters.Segment(lease, frame.Acquisition, image, s, cancel);
        }
        string path = Path.Combine(Path.GetFullPath(o.OutputRoot), Folder, m.FrameId.ToString("N"), $"{m.RequestId:N}_cp_masks.tif");
        FileHash.WriteAtomically(path, temp => TiffWriter.WriteLabels(temp, result.Masks));
        return (result, lease.Version, s, path);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Re-segmentation {RequestId} of frame {FrameId} for {Curator}: {ObjectCount} objects with {Model} v{ModelVersion} at diameter {Diameter:F1} px ({DiameterSource}), flow threshold {FlowThreshold}, cellprob threshold {CellprobThreshold}, in {Seconds:F2} s")]
    private partial void LogDone(Guid requestId, Guid frameId, string curator, int objectCount, string model, int modelVersion, double diameter,
        string diameterSource, double flowThreshold, double cellprobThreshold, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-segmentation {RequestId} of frame {FrameId} failed: {Reason}")]
    private partial void LogFailed(Guid requestId, Guid frameId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Re-segmentation {RequestId} of frame {FrameId} skipped: {State}")]
    private partial void LogSkipped(Guid requestId, Guid frameId, string state);
}
