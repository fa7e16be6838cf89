using System.ComponentModel.DataAnnotations;
using System.Globalization;
using AcqSeg.Engine.Sizing;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker;

public sealed class QualityGateOptions
{
    public const string SectionName = "QualityGate";

    /// <summary>Flag when more than this share of the clustered masks was dropped by the flow-error check (0-1).</summary>
    [Range(0.0, 1.0)]
    public double MaxDroppedByFlowQcFraction { get; set; } = 0.5;

    /// <summary>Flag when the mean cell probability (sigmoid of the logit) inside masks is below this (0-1).</summary>
    [Range(0.0, 1.0)]
    public double MinMeanCellprob { get; set; } = 0.5;

    /// <summary>Flag when the object count is more than this factor above or below the acquisition's running median.</summary>
    [Range(1.0, 1000.0)]
    public double CountOutlierFactor { get; set; } = 3.0;

    /// <summary>Earlier frames needed before the count rule applies.</summary>
    [Range(1, 10_000)]
    public int CountHistoryMinimum { get; set; } = 3;

    /// <summary>Frames the running median looks back over.</summary>
    [Range(1, 10_000)]
    public int CountHistoryWindow { get; set; } = 50;

    /// <summary>Flag when the frame's style is further than this (1 - cosine similarity) from every training style.</summary>
    [Range(0.0, 2.0)]
    public double MaxStyleDistance { get; set; } = 0.25;
}

/// <summary>What the gate looks at for one segmented frame.</summary>
public sealed record FrameQuality(int ObjectCount, int MasksBeforeQc, int DroppedByFlowQc, double MeanCellprob, float[] Style,
    IReadOnlyList<int> RecentCounts, IReadOnlyList<float[]>? TrainingStyles);

/// <summary>The configurable review rules; each tripped rule is one reason with a human-readable detail.</summary>
public sealed class QualityGate(IOptions<QualityGateOptions> options)
{
    public const string FlowQcDrops = "flow_qc_drops";
    public const string LowCellprob = "low_cellprob";
    public const string CountOutlier = "count_outlier";
    public const string OutOfDistribution = "style_out_of_distribution";

    public int HistoryWindow => options.Value.CountHistoryWindow;

    public IReadOnlyList<ReviewReason> Evaluate(FrameQuality q)
    {
        var o = options.Value;
        var reasons = new List<ReviewReason>();
        if (q.MasksBeforeQc > 0)
        {
            double dropped = (double)q.DroppedByFlowQc / q.MasksBeforeQc;
            if (dropped > o.MaxDroppedByFlowQcFraction)
                reasons.Add(new(FlowQcDrops, Invariant($"{q.DroppedByFlowQc} of {q.MasksBeforeQc} masks ({dropped:P0}) dropped by the flow check, limit {o.MaxDroppedByFlowQcFraction:P0}")));
        }
        if (q.ObjectCount > 0 && q.MeanCellprob < o.MinMeanCellprob)
            reasons.Add(new(LowCellprob, Invariant($"mean cell probability in masks {q.MeanCellprob:F3} < {o.MinMeanCellprob:F3}")));
        if (q.RecentCounts.Count >= o.CountHistoryMinimum)
        {
            double median = Median(q.RecentCounts);
            double low = median / o.CountOutlierFactor, high = Math.Max(median * o.CountOutlierFactor, 1);
            if (q.ObjectCount < low || q.ObjectCount > high)
                reasons.Add(new(CountOutlier, Invariant($"{q.ObjectCount} objects, running median {median:F1} of {q.RecentCounts.Count} frames (allowed {low:F1}-{high:F1})")));
        }
        if (q.TrainingStyles is { Count: > 0 } styles && q.Style.Length > 0)
        {
            double nearest = styles.Min(s => CosineDistance(q.Style, s));
            if (nearest > o.MaxStyleDistance)
                reasons.Add(new(OutOfDistribution, Invariant($"style distance {nearest:F3} to the nearest training style > {o.MaxStyleDistance:F3}")));
        }
        return reasons;
    }

    public static double Median(IReadOnlyList<int> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    public static double CosineDistance(float[] a, float[] b) => DiameterReuse.CosineDistance(a, b);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Style vectors of a model version's training images (for the out-of-distribution rule).</summary>
public interface ITrainingStyles
{
    /// <summary>Null when unknown for that version: the rule is then skipped.</summary>
    Task<IReadOnlyList<float[]>?> ForModelAsync(string model, int version, CancellationToken cancel);
}

/// <summary>No training styles known: the out-of-distribution rule stays off until the zoo provides them.</summary>
public sealed class NoTrainingStyles : ITrainingStyles
{
    public Task<IReadOnlyList<float[]>?> ForModelAsync(string model, int version, CancellationToken cancel) =>
        Task.FromResult<IReadOnlyList<float[]>?>(null);
}
