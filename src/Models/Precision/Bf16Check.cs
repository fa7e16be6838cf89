using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AcqSeg.Models.Zoo;

namespace AcqSeg.Models.Precision;

/// <summary>
/// How closely a weight file's masks in bfloat16 follow its exact float32 masks, measured on a set of images
/// (`acqseg zoo parity`) and kept beside the weights (model.pth -> bf16.json, X.pth -> X_bf16.json). `--precision auto`
/// runs bf16 only for weights whose check holds (issue 23): with Cellpose's tiles the float32 fast path reproduces the
/// exact masks, while bf16 flips whole objects near the thresholds for weights unsure of an image (the reference weights
/// on DSB fluorescence: AP@0.5 0.919 against exact). Tied to the weights by their SHA-256, so a retrained file drops it.
/// </summary>
public sealed record Bf16Check
{
    /// <summary>The least AP@0.5 of the bf16 masks against the exact ones that lets auto choose bf16.</summary>
    public const double Goal = 0.99;

    [JsonPropertyName("weights_sha256")] public required string WeightsSha256 { get; init; }
    [JsonPropertyName("min_ap50")] public required double MinAp50 { get; init; }
    [JsonPropertyName("mean_ap50")] public required double MeanAp50 { get; init; }
    [JsonPropertyName("images")] public required int Images { get; init; }
    [JsonPropertyName("folders")] public required IReadOnlyList<string> Folders { get; init; }
    [JsonPropertyName("lowest_image")] public string? LowestImage { get; init; }
    [JsonPropertyName("measured")] public required DateTimeOffset Measured { get; init; }

    [JsonIgnore] public bool Holds => MinAp50 >= Goal;

    public static string PathBeside(string weightsPath)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(weightsPath)) ?? ".";
        string file = Path.GetFileName(weightsPath) == "model.pth" ? "bf16.json" : Path.GetFileNameWithoutExtension(weightsPath) + "_bf16.json";
        return Path.Combine(dir, file);
    }

    public void SaveBeside(string weightsPath) =>
        File.WriteAllText(PathBeside(weightsPath), JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>The check beside a weight file and whether auto may run bf16 with it, with the reason in words.</summary>
    public static (Bf16Check? Check, bool Allowed, string Reason) Beside(string weightsPath)
    {
        string path = PathBeside(weightsPath);
        if (!File.Exists(path)) return (null, false, $"no bf16 check beside the weights ({Path.GetFileName(path)}; make one with `acqseg zoo parity`)");
        Bf16Check? check;
        try
        {
            check = JsonSerializer.Deserialize<Bf16Check>(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            return (null, false, $"{path} cannot be read ({ex.Message}); make it again with `acqseg zoo parity`");
        }
        if (check is null) return (null, false, $"{path} is empty; make it again with `acqseg zoo parity`");
        if (!string.Equals(check.WeightsSha256, ModelSuggester.Sha256(weightsPath), StringComparison.OrdinalIgnoreCase))
            return (check, false, $"{path} was measured for other weights (SHA-256 differs); measure again with `acqseg zoo parity`");
        string figure = string.Create(CultureInfo.InvariantCulture, $"AP@0.5 of bf16 against exact at least {check.MinAp50:0.000} on {check.Images} images");
        return check.Holds
            ? (check, true, $"{figure} (>= {Goal.ToString(CultureInfo.InvariantCulture)})")
            : (check, false, $"{figure}{(check.LowestImage is { } l ? $", lowest {l}" : "")}, below {Goal.ToString(CultureInfo.InvariantCulture)}");
    }
}
