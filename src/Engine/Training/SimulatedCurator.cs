using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;

namespace AcqSeg.Engine.Training;

/// <summary>What a simulated curator did to one frame.</summary>
public sealed record Correction(LabelImage Corrected, int Kept, int Drawn, int Removed);

/// <summary>
/// A curator simulated from ground truth, as in the Cellpose 2.0 paper's human-in-the-loop experiment: predicted
/// objects that match a true object (IoU >= 0.5) are accepted as drawn by the model; true objects the model missed
/// are drawn by hand (these are the manual ROIs that count), onto pixels no accepted object holds, as Cellpose's GUI
/// draws without overlaps; predicted objects that match nothing are deleted.
/// </summary>
public static class SimulatedCurator
{
    public const double MatchThreshold = 0.5;

    public static Correction Correct(LabelImage truth, LabelImage predicted)
    {
        if (truth.Height != predicted.Height || truth.Width != predicted.Width)
            throw new ArgumentException($"truth {truth.Width}x{truth.Height} and prediction {predicted.Width}x{predicted.Height} differ in size");
        var overlap = ObjectOverlap.Compute(truth, predicted);
        var matches = SegmentationMetrics.Match(overlap, MatchThreshold);
        var keptPred = new HashSet<int>(matches.Select(m => overlap.PredLabels[m.Pred]));
        var matchedTrue = new HashSet<int>(matches.Select(m => overlap.TrueLabels[m.True]));

        int n = truth.Labels.Length;
        var corrected = new int[n];
        var newLabel = new Dictionary<int, int>();
        int next = 0;
        for (int i = 0; i < n; i++)
        {
            int p = predicted.Labels[i];
            if (p == 0 || !keptPred.Contains(p)) continue;
            if (!newLabel.TryGetValue(p, out int l)) newLabel[p] = l = ++next;
            corrected[i] = l;
        }
        var drawnLabel = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            int t = truth.Labels[i];
            if (t == 0 || matchedTrue.Contains(t) || corrected[i] != 0) continue;
            if (!drawnLabel.TryGetValue(t, out int l)) drawnLabel[t] = l = ++next;
            corrected[i] = l;
        }
        int missed = overlap.TrueCount - matchedTrue.Count;
        return new Correction(new LabelImage(corrected, truth.Height, truth.Width), keptPred.Count, missed, overlap.PredCount - keptPred.Count);
    }
}
