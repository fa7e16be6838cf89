using AcqSeg.Segmentation.Io;

namespace AcqSeg.Segmentation.Metrics;

/// <summary>
/// Pixel overlaps between the objects of two label images. Objects are the labels present (numbering may skip
/// values), indexed 0..n-1 in ascending label order. Only overlapping pairs are stored.
/// </summary>
public sealed class ObjectOverlap
{
    private readonly Dictionary<long, int> _pairs;

    private ObjectOverlap(int[] trueLabels, int[] predLabels, long[] trueAreas, long[] predAreas, Dictionary<long, int> pairs)
    {
        TrueLabels = trueLabels;
        PredLabels = predLabels;
        TrueAreas = trueAreas;
        PredAreas = predAreas;
        _pairs = pairs;
    }

    public IReadOnlyList<int> TrueLabels { get; }
    public IReadOnlyList<int> PredLabels { get; }
    public IReadOnlyList<long> TrueAreas { get; }
    public IReadOnlyList<long> PredAreas { get; }
    public int TrueCount => TrueLabels.Count;
    public int PredCount => PredLabels.Count;

    /// <summary>Overlapping pairs (true index, pred index, shared pixels).</summary>
    public IEnumerable<(int True, int Pred, long Pixels)> Pairs
    {
        get
        {
            foreach (var kv in _pairs) yield return ((int)(kv.Key >> 32), (int)(kv.Key & 0xffffffff), kv.Value);
        }
    }

    public static ObjectOverlap Compute(LabelImage truth, LabelImage pred)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(pred);
        if (truth.Height != pred.Height || truth.Width != pred.Width)
            throw new ArgumentException($"truth is {truth.Height}x{truth.Width} but prediction is {pred.Height}x{pred.Width}; compare masks of the same image size");
        var (tLabels, tIndex, tAreas) = Compact(truth.Labels);
        var (pLabels, pIndex, pAreas) = Compact(pred.Labels);
        var pairs = new Dictionary<long, int>();
        int[] t = truth.Labels, p = pred.Labels;
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i] <= 0 || p[i] <= 0) continue;
            long key = ((long)tIndex[t[i]] << 32) | (uint)pIndex[p[i]];
            pairs[key] = pairs.GetValueOrDefault(key) + 1;
        }
        return new ObjectOverlap(tLabels, pLabels, tAreas, pAreas, pairs);
    }

    public long Intersection(int trueIndex, int predIndex) => _pairs.GetValueOrDefault(((long)trueIndex << 32) | (uint)predIndex);

    public double Iou(int trueIndex, int predIndex)
    {
        long inter = Intersection(trueIndex, predIndex);
        if (inter == 0) return 0;
        return inter / (double)(TrueAreas[trueIndex] + PredAreas[predIndex] - inter);
    }

    /// <summary>Dense IoU matrix [true, pred] (for inspection and small images).</summary>
    public double[,] IouMatrix()
    {
        var m = new double[TrueCount, PredCount];
        foreach (var (ti, pi, _) in Pairs) m[ti, pi] = Iou(ti, pi);
        return m;
    }

    private static (int[] Labels, int[] IndexOf, long[] Areas) Compact(int[] labels)
    {
        int max = 0;
        foreach (int v in labels)
        {
            if (v < 0) throw new ArgumentException($"label image holds a negative label ({v}); labels must be 0 (background) or positive");
            if (v > max) max = v;
        }
        var area = new long[max + 1];
        foreach (int v in labels) area[v]++;
        var present = new List<int>();
        for (int l = 1; l <= max; l++) if (area[l] > 0) present.Add(l);
        var index = new int[max + 1];
        var areas = new long[present.Count];
        for (int k = 0; k < present.Count; k++)
        {
            index[present[k]] = k;
            areas[k] = area[present[k]];
        }
        return (present.ToArray(), index, areas);
    }
}
