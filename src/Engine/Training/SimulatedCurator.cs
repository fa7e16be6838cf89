using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;

namespace AcqSeg.Engine.Training;

/// <summary>What a simulated curator did to one frame. <see cref="Drawn"/> counts every ROI drawn by hand (the manual
/// ROIs), <see cref="Redrawn"/> among them; <see cref="Kept"/> counts predicted ROIs accepted as they were.</summary>
public sealed record Correction(LabelImage Corrected, int Kept, int Drawn, int Removed, int Redrawn = 0);

/// <summary>
/// A curator simulated from ground truth, as in the Cellpose 2.0 paper's human-in-the-loop experiment: predicted
/// objects that match a true object (IoU >= 0.5) are accepted as drawn by the model; true objects the model missed
/// are drawn by hand (these are the manual ROIs that count), onto pixels no accepted object holds, as Cellpose's GUI
/// draws without overlaps; predicted objects that match nothing are deleted.
/// A stricter curator (<c>redrawBelow</c> above 0.5) also deletes matched objects whose outline is poor (IoU below it)
/// and draws them again by hand: they count as manual ROIs, since a person drew them.
/// </summary>
public static class SimulatedCurator
{
    public const double MatchThreshold = 0.5;

    /// <summary>The message for a <c>redrawBelow</c> outside its range, naming the option that set it.</summary>
    public static string? CheckRedrawBelow(double redrawBelow, string option) =>
        redrawBelow == 0 || (redrawBelow > MatchThreshold && redrawBelow <= 1) ? null
            : $"{option} {redrawBelow} is out of range: give 0 (keep every matched ROI as predicted) or an IoU above {MatchThreshold} and at most 1 (redraw matched ROIs outlined worse than that)";

    public static Correction Correct(LabelImage truth, LabelImage predicted, double redrawBelow = 0)
    {
        if (truth.Height != predicted.Height || truth.Width != predicted.Width)
            throw new ArgumentException($"truth {truth.Width}x{truth.Height} and prediction {predicted.Width}x{predicted.Height} differ in size");
        if (CheckRedrawBelow(redrawBelow, "redrawBelow") is { } bad) throw new ArgumentOutOfRangeException(nameof(redrawBelow), bad);
        var overlap = ObjectOverlap.Compute(truth, predicted);
        var matches = SegmentationMetrics.Match(overlap, MatchThreshold);
        var redraw = matches.Where(m => m.Iou < redrawBelow).ToList();
        var keep = matches.Except(redraw).ToList();
        var keptPred = new HashSet<int>(keep.Select(m => overlap.PredLabels[m.Pred]));
        // True objects not drawn by hand: those whose accepted prediction stands for them.
        var acceptedTrue = new HashSet<int>(keep.Select(m => overlap.TrueLabels[m.True]));

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
            if (t == 0 || acceptedTrue.Contains(t) || corrected[i] != 0) continue;
            if (!drawnLabel.TryGetValue(t, out int l)) drawnLabel[t] = l = ++next;
            corrected[i] = l;
        }
        int drawn = overlap.TrueCount - acceptedTrue.Count;
        return new Correction(new LabelImage(corrected, truth.Height, truth.Width), keptPred.Count, drawn,
            overlap.PredCount - matches.Count, redraw.Count);
    }
}
