using System.Globalization;
using System.Text.Json;

namespace AcqSeg.Models.Zoo;

/// <summary>
/// The mask thresholds chosen for one version's weights, by cross-validation on its training folders (issue 19): they
/// travel beside the weights as the size model does (thresholds.json beside a zoo's model.pth, X_thresholds.json beside
/// X.pth), and whatever runs those weights without thresholds of its own (`segment`, `zoo eval`, the segment worker)
/// runs at them instead of Cellpose's 0.4 and 0. They belong to the weights they were chosen for: a new version starts
/// without any.
/// </summary>
public sealed record MaskThresholds
{
    /// <summary>The file beside a zoo's model.pth.</summary>
    public const string ZooFile = "thresholds.json";

    /// <summary>Cellpose's defaults, what weights without a thresholds file run at.</summary>
    public const float DefaultFlowThreshold = 0.4f, DefaultCellprobThreshold = 0f;

    /// <summary>The ranges a threshold may take (the review API's re-segmentation accepts the same).</summary>
    public const float MaxFlowThreshold = 10f, CellprobLimit = 6f;

    /// <summary>Maximum flow error per mask (0 turns the flow check off).</summary>
    public float FlowThreshold { get; init; } = DefaultFlowThreshold;

    /// <summary>Cell-probability logit a pixel must pass to take part in a mask.</summary>
    public float CellprobThreshold { get; init; } = DefaultCellprobThreshold;

    /// <summary>How they were chosen (the folds and the command), shown on the card.</summary>
    public string ChosenBy { get; init; } = "";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // Read by people as well: quotes and apostrophes as they are, not \u0027 (the files are never embedded in HTML).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>What is wrong with these thresholds (null: nothing).</summary>
    public string? Problem()
    {
        if (!(FlowThreshold >= 0 && FlowThreshold <= MaxFlowThreshold))
            return string.Create(CultureInfo.InvariantCulture, $"flow threshold {FlowThreshold} must be 0 (check off) to {MaxFlowThreshold}");
        if (!(CellprobThreshold >= -CellprobLimit && CellprobThreshold <= CellprobLimit))
            return string.Create(CultureInfo.InvariantCulture, $"cell-probability threshold {CellprobThreshold} must be {-CellprobLimit} to {CellprobLimit}");
        if (string.IsNullOrWhiteSpace(ChosenBy))
            return "say how the thresholds were chosen (which training folds, which command), so the card can state it";
        return null;
    }

    /// <summary>The thresholds file that belongs to a weight file: thresholds.json beside a zoo's model.pth, X_thresholds.json beside X.pth.</summary>
    public static string PathBeside(string weightsPath)
    {
        string full = Path.GetFullPath(weightsPath);
        string dir = Path.GetDirectoryName(full) ?? ".";
        return Path.GetFileName(full) == "model.pth"
            ? Path.Combine(dir, ZooFile)
            : Path.Combine(dir, Path.GetFileNameWithoutExtension(full) + "_thresholds.json");
    }

    /// <summary>The thresholds chosen for a weight file, or null when none were. A file that cannot be read is a
    /// <see cref="WeightsCompanionFileException"/> naming it and the fix.</summary>
    public static MaskThresholds? LoadBeside(string weightsPath)
    {
        string path = PathBeside(weightsPath);
        return File.Exists(path) ? Load(path) : null;
    }

    public static MaskThresholds Load(string path)
    {
        MaskThresholds? t;
        try
        {
            t = JsonSerializer.Deserialize<MaskThresholds>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new WeightsCompanionFileException(path, $"not valid JSON ({ex.Message}); rewrite it with `acqseg zoo set-thresholds` or delete it to run at Cellpose's 0.4 and 0", ex);
        }
        if (t is null) throw new WeightsCompanionFileException(path, "empty; rewrite it with `acqseg zoo set-thresholds` or delete it");
        if (t.Problem() is { } problem) throw new WeightsCompanionFileException(path, problem + "; rewrite it with `acqseg zoo set-thresholds` or delete it");
        return t;
    }

    public void Save(string path)
    {
        if (Problem() is { } problem) throw new ArgumentException(problem);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json) + "\n");
        File.Move(tmp, path, overwrite: true);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"flow threshold {FlowThreshold}, cell-probability threshold {CellprobThreshold}");
}
