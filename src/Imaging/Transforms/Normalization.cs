namespace AcqSeg.Imaging.Transforms;

/// <summary>
/// Cellpose's normalize_img / normalize99: per channel (x - p1) / (p99 - p1), no clipping, where the percentiles are
/// numpy's default linear interpolation; a channel whose p99 - p1 is not above 1e-3 becomes all zeros.
/// </summary>
public static class Normalization
{
    public const double LowerPercentile = 1.0;
    public const double UpperPercentile = 99.0;
    public const double MinimumRange = 1e-3;

    /// <summary>Normalises every plane of a planar [channels, H, W] array in place; invert gives 1 - x afterwards.</summary>
    public static void NormalizePlanes(float[] planes, int channels, int planeSize, bool invert)
    {
        ArgumentNullException.ThrowIfNull(planes);
        if ((long)channels * planeSize != planes.Length)
            throw new ArgumentException($"{planes.Length} values do not make {channels} planes of {planeSize}", nameof(planes));
        var scratch = new float[planeSize];
        for (int c = 0; c < channels; c++)
            Normalize99(planes.AsSpan(c * planeSize, planeSize), invert, scratch);
    }

    /// <summary>Normalises one plane in place (a zero-range plane becomes zeros).</summary>
    public static void Normalize99(Span<float> plane, bool invert, float[]? scratch = null)
    {
        if (plane.IsEmpty) return;
        scratch ??= new float[plane.Length];
        var (p1, p99) = Percentiles.LinearPair(plane, LowerPercentile, UpperPercentile, scratch);
        if (!(p99 - p1 > MinimumRange))
        {
            plane.Clear();
            return;
        }
        // numpy evaluates float32_array - float64_scalar in float32 (legacy value-based casting).
        float offset = (float)p1;
        float range = (float)(p99 - p1);
        for (int i = 0; i < plane.Length; i++)
        {
            float v = (plane[i] - offset) / range;
            plane[i] = invert ? -v + 1f : v;
        }
    }
}

/// <summary>numpy.percentile with method 'linear' (the default) on float32 data.</summary>
public static class Percentiles
{
    /// <summary>The q-th percentile (0..100).</summary>
    public static double Linear(ReadOnlySpan<float> values, double q)
    {
        var scratch = new float[values.Length];
        values.CopyTo(scratch);
        return Select(scratch, q);
    }

    /// <summary>Two percentiles with one copy of the data (<paramref name="scratch"/> at least as long as values).</summary>
    public static (double Low, double High) LinearPair(ReadOnlySpan<float> values, double qLow, double qHigh, float[] scratch)
    {
        if (values.IsEmpty) throw new ArgumentException("percentile of an empty array", nameof(values));
        if (scratch.Length < values.Length) throw new ArgumentException("scratch is shorter than values", nameof(scratch));
        var work = scratch.AsSpan(0, values.Length);
        values.CopyTo(work);
        double low = Select(work, qLow);
        double high = Select(work, qHigh);
        return (low, high);
    }

    private static double Select(Span<float> work, double q)
    {
        int n = work.Length;
        double virtualIndex = (n - 1) * (q / 100.0);
        int previous = (int)Math.Floor(virtualIndex);
        if (previous < 0) previous = 0;
        if (previous > n - 1) previous = n - 1;
        int next = Math.Min(previous + 1, n - 1);
        double gamma = virtualIndex - previous;

        OrderStatistics.NthElement(work, previous);
        float a = work[previous];
        float b = a;
        if (next != previous)
        {
            // After selection everything right of 'previous' is >= it: the next order statistic is their minimum.
            b = float.PositiveInfinity;
            for (int i = previous + 1; i < n; i++) if (work[i] < b) b = work[i];
        }
        // numpy's _lerp: the difference in float32, the interpolation in float64, from the nearer end.
        double diff = (float)(b - a);
        return gamma >= 0.5 ? b - diff * (1.0 - gamma) : a + diff * gamma;
    }
}

/// <summary>In-place selection (introselect: quickselect, falling back to sorting the range when it degrades).</summary>
internal static class OrderStatistics
{
    public static void NthElement(Span<float> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        int budget = 2 * (int)Math.Log2(a.Length + 1) + 4;
        while (hi > lo)
        {
            if (hi - lo < 16 || budget-- <= 0)
            {
                a.Slice(lo, hi - lo + 1).Sort();
                return;
            }
            int mid = lo + ((hi - lo) >> 1);
            // Median of three as pivot.
            if (a[mid] < a[lo]) (a[mid], a[lo]) = (a[lo], a[mid]);
            if (a[hi] < a[lo]) (a[hi], a[lo]) = (a[lo], a[hi]);
            if (a[hi] < a[mid]) (a[hi], a[mid]) = (a[mid], a[hi]);
            float pivot = a[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return;
        }
    }
}
