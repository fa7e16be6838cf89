using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AcqSeg.Models.Zoo;

/// <summary>Where a version came from: another zoo model's version, a weight file, or nothing (trained from scratch).</summary>
public sealed record ModelParent
{
    /// <summary>Zoo model name (with <see cref="Version"/>), when fine-tuned from the zoo.</summary>
    public string? Model { get; init; }
    public int? Version { get; init; }

    /// <summary>The .pth it came from, when imported or fine-tuned from a file (relative to the zoo's parent folder,
    /// i.e. the repository root, when it lies beside it, so manifests do not carry one machine's paths).</summary>
    public string? File { get; init; }

    /// <summary>SHA-256 of that file, which identifies it wherever it is.</summary>
    public string? Sha256 { get; init; }

    public static ModelParent FromModel(string model, int version) => new() { Model = model, Version = version };

    public static ModelParent FromFile(string path, string zooRoot)
    {
        string full = System.IO.Path.GetFullPath(path);
        string baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(zooRoot)) ?? full;
        string relative = System.IO.Path.GetRelativePath(baseDir, full);
        bool nearby = !System.IO.Path.IsPathRooted(relative) && !relative.StartsWith("../../", StringComparison.Ordinal);
        return new() { File = nearby ? relative : full, Sha256 = ModelSuggester.Sha256(full) };
    }

    public override string ToString() =>
        Model is not null ? $"{Model} v{Version?.ToString(CultureInfo.InvariantCulture) ?? "?"}" : File ?? "none";
}

/// <summary>How a size model was made (AcqSeg's training or an imported file).</summary>
public sealed record SizeModelInfo
{
    public string Source { get; init; } = "";
    public int TrainImages { get; init; }
    public int Crops { get; init; }
    public double? TrainCorrelation { get; init; }
    public DateTimeOffset Created { get; init; }

    /// <summary>Refining passes the size model runs (null: Cellpose's 1); also stored in size.json, which is what runs.</summary>
    public int? RefinePasses { get; init; }

    /// <summary>The fraction below which the passes stop (null: <see cref="Sizing.SizeModel.DefaultSettledChange"/>); also in size.json.</summary>
    public double? SettledChange { get; init; }

    /// <summary>This record with the refining-pass settings of <paramref name="size"/> (defaults kept as null).</summary>
    public SizeModelInfo WithPassesOf(Sizing.SizeModel size) => this with
    {
        RefinePasses = size.RefinePasses == 1 ? null : size.RefinePasses,
        SettledChange = size.SettledChange == Sizing.SizeModel.DefaultSettledChange ? null : size.SettledChange,
    };
}

/// <summary>One version of a zoo model: its lineage, training data and measured quality.</summary>
public sealed record ModelVersion
{
    public int Version { get; init; }

    /// <summary>null: trained from scratch (or unknown).</summary>
    public ModelParent? Parent { get; init; }

    public DateTimeOffset Created { get; init; }
    public string? Schedule { get; init; }
    public int? Epochs { get; init; }
    public int? TrainImages { get; init; }
    public int? TrainRois { get; init; }
    public int[] Widths { get; init; } = [];
    public double DiamMean { get; init; }
    public double DiamLabels { get; init; }

    /// <summary>AP@0.5 per evaluation folder (folder name -> mean AP over its images).</summary>
    public SortedDictionary<string, double> Ap { get; init; } = new(StringComparer.Ordinal);

    /// <summary>AP@0.5 per folder with each image run at its ground-truth diameter (`zoo eval --true-diameter`): what
    /// the network reaches when the size estimate is right.</summary>
    public SortedDictionary<string, double> ApTrueDiameter { get; init; } = new(StringComparer.Ordinal);

    /// <summary>AP@0.5 per folder at the size model's estimate on the fast network path (`zoo eval --fast`), the path
    /// `segment` and the service run by default; <see cref="Ap"/> and <see cref="ApTrueDiameter"/> are Cellpose's exact path.</summary>
    public SortedDictionary<string, double> ApFast { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Whether any AP was recorded for the version, on any path (a method, so the manifest does not store it).</summary>
    public bool HasRecordedAp() => Ap.Count > 0 || ApTrueDiameter.Count > 0 || ApFast.Count > 0;

    public double? WallSeconds { get; init; }
    public double? ImagesPerSecond { get; init; }
    public string? Notes { get; init; }

    /// <summary>Set when the version has a size model (size.json).</summary>
    public SizeModelInfo? SizeModel { get; init; }

    /// <summary>Mask thresholds chosen for this version's weights (also in thresholds.json beside them, which is what runs);
    /// null: Cellpose's 0.4 and 0.</summary>
    public MaskThresholds? Thresholds { get; init; }

    /// <summary>Licences of the data this version itself was trained on (null: none recorded); what its lineage
    /// brings is added by <see cref="ModelZoo.CarriedLicences"/>.</summary>
    public List<DataLicence>? Licences { get; init; }
}

/// <summary>An accuracy a model must reach: the mean AP@0.5 over a group of evaluation folders (e.g. issue 3's
/// "nuclei: 0.85 on the three fluorescence folders"). The card states each target against the current version.</summary>
public sealed record AccuracyTarget
{
    /// <summary>Short name of the group, e.g. "fluorescence".</summary>
    public string Label { get; init; } = "";

    /// <summary>Evaluation folder names (as `zoo eval` records them) whose APs are averaged, each folder weighing the same.</summary>
    public string[] Folders { get; init; } = [];

    /// <summary>The mean AP@0.5 the group must reach.</summary>
    public double MinAp { get; init; }

    /// <summary>The group's mean AP@0.5 in <paramref name="aps"/>, or null while a folder of it has not been scored.</summary>
    public double? MeanOf(IReadOnlyDictionary<string, double> aps)
    {
        ArgumentNullException.ThrowIfNull(aps);
        if (Folders.Length == 0 || Folders.Any(f => !aps.ContainsKey(f))) return null;
        return Folders.Average(f => aps[f]);
    }

    /// <summary>Whether a mean meets the target (strictly: 0.8499 does not meet 0.85, so the card shows 4 decimals).</summary>
    public bool IsMetBy(double mean) => mean >= MinAp;
}

/// <summary>
/// models/NAME/manifest.json: every version of one model and which is current. The current version's weights are
/// models/NAME/model.pth (what `--model NAME` loads); older ones are in models/NAME/versions/V/.
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "manifest.json";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Read by people as well: quotes and apostrophes as they are, not \u0027 (the files are never embedded in HTML).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string Name { get; init; } = "";
    public int Current { get; init; }
    public List<ModelVersion> Versions { get; init; } = [];

    /// <summary>What the model must reach (null: none set); stated on the card against the current version.</summary>
    public List<AccuracyTarget>? Targets { get; init; }

    // Derived, not stored: the file holds the versions and `current` only.
    [JsonIgnore]
    public ModelVersion CurrentVersion => Find(Current)
        ?? throw new InvalidOperationException($"model '{Name}': current version {Current} is not in its manifest");

    public ModelVersion? Find(int version) => Versions.FirstOrDefault(v => v.Version == version);

    [JsonIgnore]
    public int NextVersion => Versions.Count == 0 ? 1 : Versions.Max(v => v.Version) + 1;

    public static ModelManifest Read(string path)
    {
        try
        {
            var m = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), Json)
                ?? throw new ZooException($"{path} is empty; delete it to rebuild the manifest from model.pth");
            if (m.Versions.Count > 0 && m.Find(m.Current) is null)
                throw new ZooException($"{path}: current version {m.Current} is not among its versions; fix 'current'");
            return m;
        }
        catch (JsonException ex)
        {
            throw new ZooException($"{path} is not a valid manifest ({ex.Message}); fix it or delete it to rebuild it from model.pth", ex);
        }
    }

    public void Write(string path)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json) + "\n");
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>A zoo operation that cannot be done as asked; the message says what to change.</summary>
public sealed class ZooException(string message, Exception? inner = null) : Exception(message, inner);
