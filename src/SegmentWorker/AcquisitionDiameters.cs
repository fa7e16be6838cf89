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

    public SegmentationResult Segment(ModelCache.Lease lease, string acquisition, ImageData image, SegmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (settings.Diameter is > 0) return new FrameSegmenter(lease.Model).Segment(image, settings);
        if (lease.SizeModel is null)
        {
            if (withoutSizeModel.TryGetValue(lease.Name, out int announced) is false || announced != lease.Version)
            {
                withoutSizeModel[lease.Name] = lease.Version;
                LogNoSizeModel(lease.Name, lease.Version, lease.Model.DiamLabels);
            }
            return new FrameSegmenter(lease.Model).Segment(image, settings);
        }
        var result = new FrameSegmenter(lease.Model, lease.SizeModel).Segment(image, settings, held, Series(acquisition, lease.Name, lease.Version));
        if (result.EstimateReason is { } why)
            LogEstimated(acquisition, lease.Name, lease.Version, result.Diameter, why.Reason, why.Detail, result.Timings.SizeEstimate);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Acquisition {Acquisition}: diameter {Diameter:F1} px estimated with {Model} v{ModelVersion}'s size model ({EstimateReason}: {EstimateDetail}) in {EstimateSeconds:F2} s; its next frames reuse it")]
    private partial void LogEstimated(string acquisition, string model, int modelVersion, double diameter, string estimateReason, string estimateDetail, double estimateSeconds);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Model {Model} v{ModelVersion} has no size model: with SegmentWorker:Diameter 0 its frames run at its diam_labels {Diameter:F1} px. Set SegmentWorker:Diameter to the objects' size, or fit a size model beside its weights (`acqseg zoo train-size`)")]
    private partial void LogNoSizeModel(string model, int modelVersion, double diameter);
}
