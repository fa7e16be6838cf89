using System.Globalization;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Persistence;

namespace AcqSeg.SegmentWorker;

/// <summary>Per-frame numbers stored in frame_stats and used by the quality gate.</summary>
public static class FrameStatistics
{
    /// <summary>Mean of sigmoid(cellprob logit) over the pixels inside masks; 0 when there are none.</summary>
    public static double MeanCellprobInMasks(int[] labels, float[] cellProbLogit)
    {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] == 0) continue;
            sum += 1.0 / (1.0 + Math.Exp(-cellProbLogit[i]));
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>
    /// Mean object area in pixels: the labelled pixels over the objects, which is the mean of the object table's areas
    /// (each object's area is its pixel count); 0 when there are no objects.
    /// </summary>
    public static double MeanObjectArea(int[] labels, int objectCount)
    {
        if (objectCount == 0) return 0;
        long labelled = 0;
        foreach (int label in labels)
            if (label != 0) labelled++;
        return (double)labelled / objectCount;
    }

    public static FrameStatsRow From(SegmentationResult r, int objectCount, double meanCellprob)
    {
        var errors = r.MaskStats.FlowErrors;
        var t = r.Timings;
        return new FrameStatsRow
        {
            Height = r.Masks.Height,
            Width = r.Masks.Width,
            ObjectCount = objectCount,
            MeanCellprob = meanCellprob,
            FlowErrorMean = errors.Count == 0 ? null : errors.Average(),
            FlowErrorMax = errors.Count == 0 ? null : errors.Max(),
            MasksBeforeQc = r.MaskStats.MasksBeforeQc,
            DroppedByFlowQc = r.MaskStats.DroppedByFlowQc,
            DroppedAsSmall = r.MaskStats.DroppedAsSmall,
            Style = string.Join(",", r.Network.Style.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
            ReadSeconds = t.Read,
            NormalizeSeconds = t.Normalize,
            NetworkSeconds = t.Network,
            DynamicsSeconds = t.Dynamics,
            FlowQcSeconds = t.FlowQc,
            WriteSeconds = t.Write,
            TotalSeconds = t.Total,
            Diameter = r.Diameter,
            DiameterSource = r.DiameterSource,
            SizeEstimateSeconds = t.SizeEstimate,
        };
    }
}
