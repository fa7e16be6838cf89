using System.Collections.Concurrent;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Imaging.Io;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker;

/// <summary>
/// The diameter each frame runs at. With SegmentWorker:Diameter 0 the size model's estimate is made once per acquisition
/// and model version and reused, estimated again when a frame drifts (<see cref="DiameterReuse"/>): estimating every
/// frame cost more than segmenting it (issue 23). A version without a size model (a fine-tune) runs at its diam_labels,
/// which is logged once per version. One per process, shared by the consumers (thread-safe).
/// </summary>
public sealed partial class AcquisitionDiameters(IOptions<SegmentWorkerOptions> options, ILogger<AcquisitionDiameters> logger)
{
    private readonly DiameterReuse held = new(options.Value.ToReuseOptions());
    // Model name -> the last version announced as running at diam_labels; lineages are few, so this stays small.
    private readonly ConcurrentDictionary<string, int> withoutSizeModel = new(StringComparer.Ordinal);

    /// <summary>Acquisitions (per model version) holding an estimate now.</summary>
    public int HeldCount => held.Count;

    /// <summary>The series key: an acquisition's estimate belongs to the version that made it (a new version estimates again).</summary>
    public static string Series(string acquisition, string model, int version) => $"{acquisition}\u001f{model}\u001f{version}";

    /// <param name="cancel">a stopping service's token: the frame is given up within one network pass
    /// (<see cref="FrameSegmenter.Segment(ImageData, SegmentSettings, CancellationToken)"/>)</param>
    public SegmentationResult Segment(ModelCache.Lease lease, string acquisition, ImageData image, SegmentSettings settings, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (settings.Diameter is > 0) return new FrameSegmenter(lease.Model).Segment(image, settings, cancel);
        if (lease.SizeModel is null)
        {
            AnnounceNoSizeModel(lease);
            return new FrameSegmenter(lease.Model).Segment(image, settings, cancel);
        }
        var result = new FrameSegmenter(lease.Model, lease.SizeModel).Segment(image, settings, held, Series(acquisition, lease.Name, lease.Version), cancel);
        LogIfEstimated(lease, acquisition, result);
        return result;
    }

    /// <summary>The diameter the frame will run at without an estimate of its own; null when its acquisition needs one
    /// first (<see cref="FrameSegmenter.PlannedDiameter"/>). Frames of one size planning one diameter share network passes.</summary>
    public double? PlannedDiameter(ModelCache.Lease lease, string acquisition, SegmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var segmenter = settings.Diameter is > 0 || lease.SizeModel is null ? new FrameSegmenter(lease.Model) : new FrameSegmenter(lease.Model, lease.SizeModel);
        return segmenter.PlannedDiameter(settings, held, Series(acquisition, lease.Name, lease.Version));
    }

    /// <summary>
    /// Frames of one size (and planned diameter) with shared network passes (<see cref="FrameSegmenter.SegmentBatch"/>),
    /// each with the result and the logs <see cref="Segment"/> gives it; a single frame runs exactly <see cref="Segment"/>.
    /// </summary>
    public IReadOnlyList<SegmentationResult> SegmentBatch(ModelCache.Lease lease, IReadOnlyList<string> acquisitions, IReadOnlyList<ImageData> images,
        SegmentSettings settings, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(acquisitions);
        ArgumentNullException.ThrowIfNull(images);
        if (acquisitions.Count != images.Count) throw new ArgumentException($"{images.Count} frames but {acquisitions.Count} acquisitions", nameof(acquisitions));
        if (images.Count == 1) return [Segment(lease, acquisitions[0], images[0], settings, cancel)];
        if (settings.Diameter is > 0) return new FrameSegmenter(lease.Model).SegmentBatch(images, settings, cancel: cancel);
        if (lease.SizeModel is null)
        {
            AnnounceNoSizeModel(lease);
            return new FrameSegmenter(lease.Model).SegmentBatch(images, settings, cancel: cancel);
        }
        var series = acquisitions.Select(a => Series(a, lease.Name, lease.Version)).ToList();
        var results = new FrameSegmenter(lease.Model, lease.SizeModel).SegmentBatch(images, settings, held, series, cancel);
        for (int i = 0; i < results.Count; i++) LogIfEstimated(lease, acquisitions[i], results[i]);
        return results;
    }

    private void AnnounceNoSizeModel(ModelCache.Lease lease)
    {
        if (withoutSizeModel.TryGetValue(lease.Name, out int announced) is false || announced != lease.Version)
        {
            withoutSizeModel[lease.Name] = lease.Version;
            LogNoSizeModel(lease.Name, lease.Version, lease.Model.DiamLabels);
        }
    }

    private void LogIfEstimated(ModelCache.Lease lease, string acquisition, SegmentationResult result)
    {
        if (result.EstimateReason is { } why)
            LogEstimated(acquisition, lease.Name, lease.Version, result.Diameter, why.Reason, why.Detail, result.Timings.SizeEstimate);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Acquisition {Acquisition}: diameter {Diameter:F1} px estimated with {Model} v{ModelVersion}'s size model ({EstimateReason}: {EstimateDetail}) in {EstimateSeconds:F2} s; its next frames reuse it")]
    private partial void LogEstimated(string acquisition, string model, int modelVersion, double diameter, string estimateReason, string estimateDetail, double estimateSeconds);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Model {Model} v{ModelVersion} has no size model: with SegmentWorker:Diameter 0 its frames run at its diam_labels {Diameter:F1} px. Set SegmentWorker:Diameter to the objects' size, or fit a size model beside its weights (`acqseg zoo train-size`)")]
    private partial void LogNoSizeModel(string model, int modelVersion, double diameter);
}
