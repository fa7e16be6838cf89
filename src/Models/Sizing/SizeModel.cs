using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AcqSeg.Models.Sizing;

/// <summary>
/// Cellpose's size model (models.SizeModel): a linear map from a network's style vector to log object diameter,
/// d = max(5, exp(A . (style - smean) + log(diam_mean) + ymean)). Only meaningful with the styles of the network it was
/// trained on. Stored as JSON {"A": [...], "smean": [...], "diam_mean": D, "ymean": Y} plus "refine_passes" when it is
/// not Cellpose's 1 and "settle" when the passes stop at another change than <see cref="DefaultSettledChange"/>;
/// Cellpose's own <c>*_size.npy</c> files are read by <see cref="CellposeSizeFile"/>.
/// </summary>
public sealed class SizeModel
{
    /// <summary>The smallest diameter the model predicts (Cellpose clips at 5 pixels).</summary>
    public const double MinimumDiameter = 5.0;

    /// <summary>The most refining passes a size model may ask for (each is one network pass and one mask reconstruction).</summary>
    public const int MaxRefinePasses = 8;

    /// <summary>Whether a refining-pass count lies in [1 (Cellpose), <see cref="MaxRefinePasses"/>].</summary>
    public static bool IsValidRefinePasses(double passes) => passes == Math.Floor(passes) && passes is >= 1 and <= MaxRefinePasses;

    /// <summary>Refining passes stop once one moves the diameter by less than this fraction, unless the file says otherwise.</summary>
    public const double DefaultSettledChange = 0.05;

    /// <summary>The range a size model's stopping fraction may take (below 0.5 %, passes chase noise to the last one).</summary>
    public const double MinSettledChange = 0.005, MaxSettledChange = 0.5;

    /// <summary>Whether a stopping fraction lies in [<see cref="MinSettledChange"/>, <see cref="MaxSettledChange"/>] (NaN does not).</summary>
    public static bool IsValidSettledChange(double fraction) => fraction is >= MinSettledChange and <= MaxSettledChange;

    public SizeModel(float[] a, float[] styleMean, double diamMean, double yMean, int refinePasses = 1,
        double settledChange = DefaultSettledChange)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(styleMean);
        if (a.Length == 0 || a.Length != styleMean.Length)
            throw new ArgumentException($"A has {a.Length} values and smean {styleMean.Length}; both must be the style length");
        if (!(diamMean > 0) || double.IsInfinity(diamMean)) throw new ArgumentOutOfRangeException(nameof(diamMean), diamMean, "diam_mean must be a positive diameter");
        if (!double.IsFinite(yMean)) throw new ArgumentOutOfRangeException(nameof(yMean), yMean, "ymean must be finite");
        if (!IsValidRefinePasses(refinePasses))
            throw new ArgumentOutOfRangeException(nameof(refinePasses), refinePasses, $"refine passes must be 1 (Cellpose) to {MaxRefinePasses}");
        if (!IsValidSettledChange(settledChange))
            throw new ArgumentOutOfRangeException(nameof(settledChange), settledChange, SettleRange);
        A = a;
        SettledChange = settledChange;
        RefinePasses = refinePasses;
        StyleMean = styleMean;
        DiamMean = diamMean;
        YMean = yMean;
    }

    /// <summary>Regression weights, one per style component.</summary>
    public float[] A { get; }

    /// <summary>Mean training style (Cellpose's smean).</summary>
    public float[] StyleMean { get; }

    /// <summary>Diameter the network rescales objects to (the size model's own copy, as Cellpose keeps it).</summary>
    public double DiamMean { get; }

    /// <summary>Mean training target log(d) - log(diam_mean).</summary>
    public double YMean { get; }

    public int StyleLength => A.Length;

    /// <summary>
    /// Refining passes of an estimate (Cellpose: 1). With more, the mask diameter measured at one pass becomes the
    /// diameter of the next until it changes by less than <see cref="SettledChange"/>: objects far larger
    /// than the training sizes get a style guess that is too small, the network splits them at that scale, and one
    /// pass measures the pieces; at each larger guess the pieces merge further.
    /// </summary>
    public int RefinePasses { get; }

    /// <summary>
    /// The refining passes stop once one moves the diameter by less than this fraction. Small nuclei estimated from
    /// above approach their size by 5-15 % a pass, so 5 % can stop them early (docs/zoo-training.md, session 13).
    /// </summary>
    public double SettledChange { get; }

    /// <summary>What a stopping fraction must be, for messages.</summary>
    public static string SettleRange { get; } =
        string.Create(CultureInfo.InvariantCulture, $"the settled change must be a fraction from {MinSettledChange} to {MaxSettledChange} (default {DefaultSettledChange})");

    /// <summary>The same regression with another number of refining passes (and stopping fraction, when given).</summary>
    public SizeModel WithRefinePasses(int passes, double? settledChange = null) =>
        new(A, StyleMean, DiamMean, YMean, passes, settledChange ?? SettledChange);

    /// <summary>The diameter the style alone predicts (Cellpose's _size_estimation).</summary>
    public double PredictFromStyle(ReadOnlySpan<float> style)
    {
        if (style.Length != A.Length)
            throw new ArgumentException($"style has {style.Length} values, the size model expects {A.Length}: it belongs to a network of another width", nameof(style));
        double dot = 0;
        for (int i = 0; i < A.Length; i++) dot += (double)A[i] * (style[i] - StyleMean[i]);
        double d = Math.Exp(dot + Math.Log(DiamMean) + YMean);
        return double.IsNaN(d) ? DiamMean : Math.Max(MinimumDiameter, d);
    }

    /// <summary>
    /// The size model that belongs to a weight file: size.json beside a zoo model.pth, else STEM_size.json or
    /// STEM_size.npy (as `acqseg zoo export` writes them), else Cellpose's size_STEM.npy; null when there is none.
    /// </summary>
    public static string? FindBeside(string weightsPath)
    {
        string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(weightsPath)) ?? ".";
        string stem = System.IO.Path.GetFileNameWithoutExtension(weightsPath);
        string[] candidates = System.IO.Path.GetFileName(weightsPath) == "model.pth"
            ? [System.IO.Path.Combine(dir, "size.json")]
            : [System.IO.Path.Combine(dir, stem + "_size.json"), System.IO.Path.Combine(dir, stem + "_size.npy"), System.IO.Path.Combine(dir, "size_" + stem + ".npy")];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The size model beside a weight file (<see cref="FindBeside"/>), loaded and checked against the network's style
    /// length; null when there is none. One that cannot be read or was fitted to another network is a
    /// <see cref="WeightsCompanionFileException"/> naming the file and the fix.
    /// </summary>
    public static SizeModel? LoadBeside(string weightsPath, int styleLength)
    {
        string? path = FindBeside(weightsPath);
        if (path is null) return null;
        var size = Load(path);
        if (size.StyleLength != styleLength)
            throw new WeightsCompanionFileException(path, $"takes styles of length {size.StyleLength} but {weightsPath} makes {styleLength}; retrain it with `acqseg zoo train-size`");
        return size;
    }

    public void Save(string path)
    {
        var json = new JsonObject
        {
            ["A"] = new JsonArray(A.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["smean"] = new JsonArray(StyleMean.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["diam_mean"] = DiamMean,
            ["ymean"] = YMean,
        };
        if (RefinePasses != 1) json["refine_passes"] = RefinePasses;
        if (SettledChange != DefaultSettledChange) json["settle"] = SettledChange;
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n");
    }

    /// <summary>Reads AcqSeg's JSON or Cellpose's <c>*_size.npy</c> (by content, not by name).</summary>
    public static SizeModel Load(string path)
    {
        if (!File.Exists(path)) throw new WeightsCompanionFileException(path, "file not found; give a size.json written by AcqSeg or a Cellpose *_size.npy");
        if (CellposeSizeFile.LooksLikeNpy(path)) return CellposeSizeFile.Read(path);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new WeightsCompanionFileException(path, $"neither a .npy file nor valid JSON ({ex.Message}); give a size.json written by AcqSeg or a Cellpose *_size.npy");
        }
        if (root is not JsonObject o) throw new WeightsCompanionFileException(path, "JSON is not an object with A, smean, diam_mean and ymean");
        try
        {
            float[] a = Floats(o, "A", path);
            float[] smean = Floats(o, "smean", path);
            double diamMean = Number(o, "diam_mean", path);
            double ymean = Number(o, "ymean", path);
            int passes = 1;
            if (o["refine_passes"] is not null)
            {
                double p = Number(o, "refine_passes", path);
                if (!IsValidRefinePasses(p))
                    throw new WeightsCompanionFileException(path, $"'refine_passes' is {p.ToString(CultureInfo.InvariantCulture)}; it must be a whole number from 1 to {MaxRefinePasses}");
                passes = (int)p;
            }
            double settle = DefaultSettledChange;
            if (o["settle"] is not null)
            {
                settle = Number(o, "settle", path);
                if (!IsValidSettledChange(settle))
                    throw new WeightsCompanionFileException(path, $"'settle' is {settle.ToString(CultureInfo.InvariantCulture)}; {SettleRange}");
            }
            return new SizeModel(a, smean, diamMean, ymean, passes, settle);
        }
        catch (ArgumentException ex)
        {
            throw new WeightsCompanionFileException(path, ex.Message.Split(" (Parameter")[0]);
        }
    }

    private static float[] Floats(JsonObject o, string key, string path)
    {
        if (o[key] is not JsonArray arr) throw new WeightsCompanionFileException(path, $"'{key}' is missing or not an array of numbers");
        var values = new float[arr.Count];
        for (int i = 0; i < arr.Count; i++)
        {
            if (arr[i] is not JsonValue v || !v.TryGetValue(out double d))
                throw new WeightsCompanionFileException(path, $"'{key}'[{i}] is not a number");
            values[i] = (float)d;
        }
        return values;
    }

    private static double Number(JsonObject o, string key, string path)
    {
        if (o[key] is JsonValue v && v.TryGetValue(out double d)) return d;
        throw new WeightsCompanionFileException(path, $"'{key}' is missing or not a number");
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"size model (style length {StyleLength}, diam_mean {DiamMean:0.##}, ymean {YMean:0.####}, refine passes {RefinePasses}, settled below {SettledChange:0.###})");
}
