using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Metrics;

/// <summary>
/// Instance-segmentation scores as Cellpose's metrics.py defines them: one-to-one matching that maximises the number
/// of pairs with IoU >= threshold, then their total IoU (linear_sum_assignment on -(iou >= th) - iou / (2 n_min));
/// AP = TP / (TP + FP + FN). Objects are counted by the labels present, not by the largest label. Plus the
/// aggregated Jaccard index (Kumar et al. 2017).
/// </summary>
public static class SegmentationMetrics
{
    public static IReadOnlyList<double> DefaultThresholds { get; } = [0.5, 0.75, 0.9];

    public static ImageScores Evaluate(LabelImage truth, LabelImage pred, IReadOnlyList<double>? thresholds = null)
    {
        var overlap = ObjectOverlap.Compute(truth, pred);
        var ths = thresholds ?? DefaultThresholds;
        var perThreshold = new List<ThresholdScores>(ths.Count);
        foreach (double th in ths)
        {
            var matches = Match(overlap, th);
            perThreshold.Add(Score(overlap, matches, th) with { Errors = ErrorBreakdown.Classify(overlap, matches, th) });
        }
        return new ImageScores(overlap.TrueCount, overlap.PredCount, perThreshold, AggregatedJaccard(overlap));
    }

    /// <summary>AP at one IoU threshold (AP@0.5 by default) of one image: TP / (TP + FP + FN), without the other scores.</summary>
    public static double AveragePrecision(LabelImage truth, LabelImage pred, double threshold = 0.5) =>
        ScoreAt(ObjectOverlap.Compute(truth, pred), threshold).AveragePrecision;

    public static MeanScores Mean(IReadOnlyList<ImageScores> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("no image scores to average; evaluate at least one image", nameof(images));
        var first = images[0].Thresholds;
        var means = new List<MeanThresholdScores>(first.Count);
        for (int k = 0; k < first.Count; k++)
        {
            double ap = 0, pr = 0, re = 0, f1 = 0, iou = 0;
            int tp = 0, fp = 0, fn = 0;
            foreach (var img in images)
            {
                if (img.Thresholds.Count != first.Count || img.Thresholds[k].Threshold != first[k].Threshold)
                    throw new ArgumentException("images were scored at different thresholds; evaluate them all with the same list", nameof(images));
                var s = img.Thresholds[k];
                ap += s.AveragePrecision;
                pr += s.Precision;
                re += s.Recall;
                f1 += s.F1;
                iou += s.MeanMatchedIou;
                tp += s.TruePositives;
                fp += s.FalsePositives;
                fn += s.FalseNegatives;
            }
            int n = images.Count;
            means.Add(new MeanThresholdScores(first[k].Threshold, ap / n, pr / n, re / n, f1 / n, iou / n, tp, fp, fn));
        }
        double aji = 0;
        foreach (var img in images) aji += img.AggregatedJaccard;
        return new MeanScores(images.Count, means, aji / images.Count);
    }

    /// <summary>The scores at one threshold without <see cref="ThresholdScores.Errors"/>: the quick path behind
    /// <see cref="AveragePrecision"/> (training's test AP, zoo comparisons, benchmarks), which need no breakdown.
    /// <see cref="Evaluate"/> classifies the errors.</summary>
    public static ThresholdScores ScoreAt(ObjectOverlap overlap, double threshold) => Score(overlap, Match(overlap, threshold), threshold);

    private static ThresholdScores Score(ObjectOverlap overlap, IReadOnlyList<ObjectMatch> matches, double threshold)
    {
        int nt = overlap.TrueCount, np = overlap.PredCount;
        int tp = matches.Count, fp = np - tp, fn = nt - tp;
        bool bothEmpty = nt == 0 && np == 0;
        double iouSum = 0;
        foreach (var m in matches) iouSum += m.Iou;
        return new ThresholdScores(
            threshold, tp, fp, fn,
            AveragePrecision: Ratio(tp, tp + fp + fn, bothEmpty),
            Precision: Ratio(tp, tp + fp, bothEmpty),
            Recall: Ratio(tp, tp + fn, bothEmpty),
            F1: Ratio(2.0 * tp, 2 * tp + fp + fn, bothEmpty),
            MeanMatchedIou: tp > 0 ? iouSum / tp : 0);
    }

    /// <summary>
    /// The optimal one-to-one matching, pairs with IoU >= threshold only. Pairs that do not overlap cost nothing, so
    /// the assignment is solved independently on each connected group of overlapping objects.
    /// </summary>
    public static IReadOnlyList<ObjectMatch> Match(ObjectOverlap overlap, double threshold)
    {
        ArgumentNullException.ThrowIfNull(overlap);
        if (double.IsNaN(threshold)) throw new ArgumentException("IoU threshold is NaN; pass a number in [0, 1]", nameof(threshold));
        int nt = overlap.TrueCount, np = overlap.PredCount;
        var matches = new List<ObjectMatch>();
        if (nt == 0 || np == 0) return matches;
        double scale = 2.0 * Math.Min(nt, np);

        var parent = new int[nt + np];
        for (int i = 0; i < parent.Length; i++) parent[i] = i;
        var pairs = overlap.Pairs.ToList();
        foreach (var (t, p, _) in pairs) Union(parent, t, nt + p);
        var groups = new Dictionary<int, (List<int> Trues, List<int> Preds)>();
        for (int i = 0; i < nt + np; i++)
        {
            int root = Find(parent, i);
            if (!groups.TryGetValue(root, out var g)) groups[root] = g = (new List<int>(), new List<int>());
            if (i < nt) g.Trues.Add(i);
            else g.Preds.Add(i - nt);
        }
        foreach (var (trues, preds) in groups.Values)
        {
            if (trues.Count == 0 || preds.Count == 0) continue;
            var cost = new double[trues.Count, preds.Count];
            var iou = new double[trues.Count, preds.Count];
            for (int r = 0; r < trues.Count; r++)
            {
                for (int c = 0; c < preds.Count; c++)
                {
                    double v = overlap.Iou(trues[r], preds[c]);
                    iou[r, c] = v;
                    cost[r, c] = -(v >= threshold ? 1.0 : 0.0) - v / scale;
                }
            }
            int[] assigned = LinearAssignment.Solve(cost);
            for (int r = 0; r < trues.Count; r++)
            {
                int c = assigned[r];
                if (c >= 0 && iou[r, c] >= threshold) matches.Add(new ObjectMatch(trues[r], preds[c], iou[r, c]));
            }
        }
        matches.Sort((a, b) => a.True.CompareTo(b.True));
        return matches;
    }

    /// <summary>
    /// Aggregated Jaccard index: each true object pairs with the prediction of highest IoU (if any overlaps; a
    /// prediction may serve several); AJI = sum of paired intersections / (sum of paired unions + areas of unpaired
    /// true and predicted objects). 1 when both images are empty.
    /// </summary>
    public static double AggregatedJaccard(ObjectOverlap overlap)
    {
        ArgumentNullException.ThrowIfNull(overlap);
        int nt = overlap.TrueCount, np = overlap.PredCount;
        if (nt == 0 && np == 0) return 1.0;
        var best = new int[nt];
        var bestIou = new double[nt];
        Array.Fill(best, -1);
        foreach (var (t, p, _) in overlap.Pairs)
        {
            double v = overlap.Iou(t, p);
            if (v > bestIou[t] || (v == bestIou[t] && best[t] >= 0 && p < best[t]))
            {
                bestIou[t] = v;
                best[t] = p;
            }
        }
        var used = new bool[np];
        double inter = 0, union = 0;
        for (int t = 0; t < nt; t++)
        {
            if (best[t] < 0)
            {
                union += overlap.TrueAreas[t];
                continue;
            }
            long i = overlap.Intersection(t, best[t]);
            inter += i;
            union += overlap.TrueAreas[t] + overlap.PredAreas[best[t]] - i;
            used[best[t]] = true;
        }
        for (int p = 0; p < np; p++) if (!used[p]) union += overlap.PredAreas[p];
        return union > 0 ? inter / union : 0;
    }

    private static double Ratio(double num, double den, bool bothEmpty) => den > 0 ? num / den : (bothEmpty ? 1.0 : 0.0);

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void Union(int[] parent, int a, int b)
    {
        int ra = Find(parent, a), rb = Find(parent, b);
        if (ra != rb) parent[ra] = rb;
    }
}
