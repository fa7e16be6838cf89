using System.Globalization;

namespace AcqSeg.Engine.Sizing;

/// <summary>When an estimated diameter held for a series of frames stops being trusted.</summary>
public sealed record DiameterReuseOptions
{
    /// <summary>Default <see cref="MaxStyleDistance"/>. Measured with `bench --estimate` and nuclei v6 (fast path): GOWT1's time-lapse
    /// frames were 0.004-0.034 from the first, unrelated DSB images 0.17-1.24 from one another (one pair 0.055 and 0.083).</summary>
    public const double DefaultMaxStyleDistance = 0.1;

    /// <summary>Default <see cref="MaxDiameterChange"/>. GOWT1's time-lapse frames stayed within 4 % of the first; on usiigaci_phase
    /// (phase v2, fields of one kind) a frame 18 % off kept a diameter 18 % small under a 25 % rule and lost 0.07 of AP@0.5.</summary>
    public const double DefaultMaxDiameterChange = 0.15;

    /// <summary>Default <see cref="MaxSeries"/>.</summary>
    public const int DefaultMaxSeries = 1024;

    /// <summary>Re-estimate when a frame's style is further than this (1 - cosine similarity) from the estimate's frame.</summary>
    public double MaxStyleDistance { get; init; } = DefaultMaxStyleDistance;

    /// <summary>Re-estimate when the masks' median diameter departs from the estimate frame's by more than this fraction.</summary>
    public double MaxDiameterChange { get; init; } = DefaultMaxDiameterChange;

    /// <summary>Series (acquisition and model version) held at once; the least recently used goes first.</summary>
    public int MaxSeries { get; init; } = DefaultMaxSeries;

    /// <summary>What is wrong with the values, each naming the value and its range; empty when they are usable.</summary>
    /// <param name="names">how the caller names the three values (an option key, a CLI flag)</param>
    public IEnumerable<string> Problems(string styleName, string changeName, string seriesName)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!(MaxStyleDistance is > 0 and <= 2))
            yield return string.Create(inv, $"{styleName} {MaxStyleDistance} must be above 0 and at most 2 (a cosine distance; {DefaultMaxStyleDistance} re-estimates when the image type changes)");
        if (!(MaxDiameterChange is > 0 and <= 10))
            yield return string.Create(inv, $"{changeName} {MaxDiameterChange} must be a fraction above 0 and at most 10 (e.g. {DefaultMaxDiameterChange} for {DefaultMaxDiameterChange:P0})");
        if (MaxSeries is < 1 or > 1_000_000)
            yield return string.Create(inv, $"{seriesName} {MaxSeries} must be 1 to 1000000 acquisitions held at once");
    }
}

/// <summary>The diameter a series holds: what was estimated, and what its frame looked like at that diameter.</summary>
/// <param name="Style">the style of the segmentation pass at <paramref name="Diameter"/> (later frames' passes run at the
/// same scale, so their styles compare without another network pass)</param>
/// <param name="MaskDiameter">the median diameter of the masks made at <paramref name="Diameter"/>; 0 when there were none</param>
public sealed record HeldDiameter(double Diameter, float[] Style, double MaskDiameter);

/// <summary>Why a frame's diameter was estimated instead of reused.</summary>
public static class EstimateReasons
{
    /// <summary>The series had no diameter yet (its first frame, a new model version, or one dropped from a full cache).</summary>
    public const string FirstFrame = "first_frame";
    public const string StyleDrift = "style_drift";
    public const string DiameterChange = "diameter_change";
    /// <summary>The frame gave no masks at the held diameter where the estimated frame gave some: objects several times
    /// larger than held vanish rather than measure large (a synthetic series: 35 masks at 20 px, none at 40).</summary>
    public const string NoObjects = "no_objects";
}

/// <summary>
/// Estimate once per series, re-estimate on drift (issue 23): the size model's refining passes cost several network passes
/// per frame, more than segmenting it, while the frames of one acquisition keep their magnification. A series (the service:
/// an acquisition and a model version; the CLI: a folder) keeps the first frame's estimate; a later frame is segmented at
/// it, and estimated again (then segmented again) when its style drifts from the held one or its masks' median diameter
/// departs from the held frame's by more than the allowed fraction. Both checks use the segmentation pass the frame needs
/// anyway. Thread-safe; bounded to <see cref="DiameterReuseOptions.MaxSeries"/> series, least recently used dropped first.
/// </summary>
public sealed class DiameterReuse
{
    private readonly Dictionary<string, LinkedListNode<(string Key, HeldDiameter Held)>> index = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, HeldDiameter Held)> recency = new();
    private readonly object gate = new();

    public DiameterReuse(DiameterReuseOptions? options = null)
    {
        Options = options ?? new DiameterReuseOptions();
        var problems = Options.Problems("MaxStyleDistance", "MaxDiameterChange", "MaxSeries").ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));
    }

    public DiameterReuseOptions Options { get; }

    /// <summary>Series held now (at most <see cref="DiameterReuseOptions.MaxSeries"/>).</summary>
    public int Count
    {
        get { lock (gate) return index.Count; }
    }

    /// <summary>The series' held diameter, or null when it has none (it is then estimated).</summary>
    public HeldDiameter? Get(string series)
    {
        lock (gate)
        {
            if (!index.TryGetValue(series, out var node)) return null;
            recency.Remove(node);
            recency.AddFirst(node);
            return node.Value.Held;
        }
    }

    public void Hold(string series, HeldDiameter held)
    {
        ArgumentNullException.ThrowIfNull(held);
        lock (gate)
        {
            if (index.Remove(series, out var old)) recency.Remove(old);
            index[series] = recency.AddFirst((series, held));
            while (index.Count > Options.MaxSeries)
            {
                index.Remove(recency.Last!.Value.Key);
                recency.RemoveLast();
            }
        }
    }

    /// <summary>Why a frame segmented at the held diameter needs its own estimate (reason and the numbers), or null to keep it.</summary>
    /// <param name="style">the frame's style at the held diameter</param>
    /// <param name="maskDiameter">its masks' median diameter; 0 when it has none</param>
    public (string Reason, string Detail)? Drift(HeldDiameter held, float[] style, double maskDiameter)
    {
        ArgumentNullException.ThrowIfNull(held);
        var inv = CultureInfo.InvariantCulture;
        double distance = CosineDistance(held.Style, style);
        if (distance > Options.MaxStyleDistance)
            return (EstimateReasons.StyleDrift, string.Create(inv, $"style distance {distance:F3} > {Options.MaxStyleDistance:F3}"));
        // The estimate's frame is the reference, not the diameter itself: the masks at a diameter need not measure exactly
        // it (thresholds, min size), and that offset is the same for frames of one kind.
        if (maskDiameter <= 0 && held.MaskDiameter > 0)
            return (EstimateReasons.NoObjects, string.Create(inv, $"no masks at {held.Diameter:F1} px, where the estimated frame's measured {held.MaskDiameter:F1} px"));
        double reference = held.MaskDiameter > 0 ? held.MaskDiameter : held.Diameter;
        if (maskDiameter > 0 && Math.Abs(maskDiameter / reference - 1) > Options.MaxDiameterChange)
            return (EstimateReasons.DiameterChange,
                string.Create(inv, $"masks' median diameter {maskDiameter:F1} px against {reference:F1} px, more than {Options.MaxDiameterChange:P0} apart"));
        return null;
    }

    /// <summary>1 - cosine similarity; 1 when either vector is zero.</summary>
    public static double CosineDistance(float[] a, float[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < n; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 1.0 : 1.0 - dot / Math.Sqrt(na * nb);
    }
}
