namespace AcqSeg.Imaging.Metrics;

/// <summary>One matched pair: object indices (ascending label order) and their IoU.</summary>
public readonly record struct ObjectMatch(int True, int Pred, double Iou);

/// <summary>
/// Scores of one image at one IoU threshold. AP = TP / (TP + FP + FN) (Cellpose's "average precision").
/// Ratios with a zero denominator are 1 when both images are empty and 0 otherwise; MeanMatchedIou is 0 without matches.
/// </summary>
public sealed record ThresholdScores(
    double Threshold,
    int TruePositives,
    int FalsePositives,
    int FalseNegatives,
    double AveragePrecision,
    double Precision,
    double Recall,
    double F1,
    double MeanMatchedIou)
{
    /// <summary>What the false negatives and positives were (set by <see cref="SegmentationMetrics.Evaluate"/>).</summary>
    public ErrorBreakdown? Errors { get; init; }
}

/// <summary>Scores of one image: per threshold, and the aggregated Jaccard index.</summary>
public sealed record ImageScores(int TrueObjects, int PredictedObjects, IReadOnlyList<ThresholdScores> Thresholds, double AggregatedJaccard)
{
    public ThresholdScores At(double threshold)
    {
        foreach (var t in Thresholds) if (t.Threshold == threshold) return t;
        throw new ArgumentException($"no scores at threshold {threshold}; evaluated thresholds are {string.Join(", ", Thresholds.Select(t => t.Threshold))}", nameof(threshold));
    }
}

/// <summary>Per-threshold means over images (ratios averaged per image; counts summed).</summary>
public sealed record MeanThresholdScores(
    double Threshold,
    double AveragePrecision,
    double Precision,
    double Recall,
    double F1,
    double MeanMatchedIou,
    int TruePositives,
    int FalsePositives,
    int FalseNegatives);

public sealed record MeanScores(int Images, IReadOnlyList<MeanThresholdScores> Thresholds, double AggregatedJaccard)
{
    public MeanThresholdScores At(double threshold)
    {
        foreach (var t in Thresholds) if (t.Threshold == threshold) return t;
        throw new ArgumentException($"no scores at threshold {threshold}; evaluated thresholds are {string.Join(", ", Thresholds.Select(t => t.Threshold))}", nameof(threshold));
    }
}
