namespace AcqSeg.Imaging.Metrics;

/// <summary>
/// Why objects went unmatched at one IoU threshold: each false negative (a true object without a match) is exactly one
/// of missed, merged, split or misshapen, in that order of precedence; spurious counts the false positives that lie
/// mostly on background. Tells a model's builder what to train against (touching objects, dim ones, ...).
/// </summary>
public sealed record ErrorBreakdown(double Threshold, int Missed, int Merged, int Split, int Misshapen, int Spurious)
{
    /// <summary>Share of an object's area that "covers" it.</summary>
    public const double Cover = 0.5;

    public int FalseNegatives => Missed + Merged + Split + Misshapen;

    /// <summary>
    /// Missed: predictions cover less than half of the true object. Merged: the prediction with most of it also holds
    /// more than half of another true object. Split: two or more predictions each lie mostly inside it. Misshapen: found,
    /// but no prediction matches its shape at the threshold. Spurious: an unmatched prediction mostly off true objects.
    /// </summary>
    public static ErrorBreakdown Classify(ObjectOverlap overlap, IReadOnlyList<ObjectMatch> matches, double threshold)
    {
        ArgumentNullException.ThrowIfNull(overlap);
        ArgumentNullException.ThrowIfNull(matches);
        int nt = overlap.TrueCount, np = overlap.PredCount;
        var trueMatched = new bool[nt];
        var predMatched = new bool[np];
        foreach (var m in matches)
        {
            trueMatched[m.True] = true;
            predMatched[m.Pred] = true;
        }
        var byTrue = new List<(int Pred, long Pixels)>[nt];
        var byPred = new List<(int True, long Pixels)>[np];
        foreach (var (t, p, pixels) in overlap.Pairs)
        {
            (byTrue[t] ??= []).Add((p, pixels));
            (byPred[p] ??= []).Add((t, pixels));
        }
        bool MostlyIn(long pixels, long area) => pixels > Cover * area;

        int missed = 0, merged = 0, split = 0, misshapen = 0, spurious = 0;
        for (int t = 0; t < nt; t++)
        {
            if (trueMatched[t]) continue;
            var preds = byTrue[t] ?? [];
            if (!MostlyIn(preds.Sum(x => x.Pixels), overlap.TrueAreas[t]))
            {
                missed++;
                continue;
            }
            var (main, _) = preds.MaxBy(x => x.Pixels);
            if (byPred[main].Any(x => x.True != t && MostlyIn(x.Pixels, overlap.TrueAreas[x.True]))) merged++;
            else if (preds.Count(x => MostlyIn(x.Pixels, overlap.PredAreas[x.Pred])) >= 2) split++;
            else misshapen++;
        }
        for (int p = 0; p < np; p++)
        {
            if (!predMatched[p] && !MostlyIn((byPred[p] ?? []).Sum(x => x.Pixels), overlap.PredAreas[p])) spurious++;
        }
        return new ErrorBreakdown(threshold, missed, merged, split, misshapen, spurious);
    }

    public static ErrorBreakdown Sum(IReadOnlyList<ErrorBreakdown> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("no breakdowns to add", nameof(images));
        return new ErrorBreakdown(images[0].Threshold, images.Sum(e => e.Missed), images.Sum(e => e.Merged), images.Sum(e => e.Split),
            images.Sum(e => e.Misshapen), images.Sum(e => e.Spurious));
    }
}
