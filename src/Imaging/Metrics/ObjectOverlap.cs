using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Metrics;

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
        var (tLabels, tIndexed, tAreas) = Compact(truth.Labels);
        var (pLabels, pIndexed, pAreas) = Compact(pred.Labels);
        var pairs = new Dictionary<long, int>();
        for (int i = 0; i < tIndexed.Length; i++)
        {
            int ti = tIndexed[i], pi = pIndexed[i];
            if (ti < 0 || pi < 0) continue;
            long key = ((long)ti << 32) | (uint)pi;
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

    /// <summary>Present labels ascending, each pixel's object index (-1 = background), and the object areas.</summary>
    private static (int[] Labels, int[] Indexed, long[] Areas) Compact(int[] labels)
    {
        var areaOf = new Dictionary<int, long>();
        int last = 0;
        long run = 0;
        foreach (int v in labels)
        {
            if (v < 0) throw new ArgumentException($"label image holds a negative label ({v}); labels must be 0 (background) or positive");
            if (v == 0) continue;
            // Objects are contiguous along rows, so counting runs keeps dictionary look-ups rare.
            if (v == last)
            {
                run++;
                continue;
            }
            if (last != 0) areaOf[last] = areaOf.GetValueOrDefault(last) + run;
            last = v;
            run = 1;
        }
        if (last != 0) areaOf[last] = areaOf.GetValueOrDefault(last) + run;
        var present = areaOf.Keys.ToArray();
        Array.Sort(present);
        var indexOf = new Dictionary<int, int>(present.Length);
        var areas = new long[present.Length];
        for (int k = 0; k < present.Length; k++)
        {
            indexOf[present[k]] = k;
            areas[k] = areaOf[present[k]];
        }
        var indexed = new int[labels.Length];
        int prevLabel = 0, prevIndex = -1;
        for (int i = 0; i < labels.Length; i++)
        {
            int v = labels[i];
            if (v == 0)
            {
                indexed[i] = -1;
                continue;
            }
            if (v != prevLabel)
            {
                prevLabel = v;
                prevIndex = indexOf[v];
            }
            indexed[i] = prevIndex;
        }
        return (present, indexed, areas);
    }
}
