using AcqSeg.Imaging.Io;
using AcqSeg.Models.Zoo;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.Models;

/// <summary>Where base models come from: explicit paths by name, else the zoo folder's NAME/model.pth.</summary>
public sealed class ModelsOptions
{
    public const string SectionName = "Models";

    /// <summary>Model name -> .pth path (overrides the zoo).</summary>
    public Dictionary<string, string> Paths { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The zoo folder (models/NAME/model.pth); empty = none.</summary>
    public string ZooRoot { get; set; } = "";

    /// <summary>Where fine-tuned versions are written (NAME/vN.pth).</summary>
    public string VersionsRoot { get; set; } = "";
}

public sealed class ModelNotFoundException(string model, string message) : Exception(message)
{
    public string Model { get; } = model;
}

/// <summary>
/// The one model registry of the service: names, versions, the live version, weight files and lineage. A lineage's
/// base is its first version: a zoo model keeps its zoo version number (nuclei v6 in the zoo is nuclei v6 here, and
/// its first fine-tune here is v7), a configured weight file starts at 1. Later versions are fine-tuned by the train
/// worker. Every role and the CLI read versions here, so the version a log or the models page names is the one that
/// segments.
/// </summary>
public sealed class ModelRegistry(IOptions<ModelsOptions> options, ModelStore store)
{
    public string BasePath(string model)
    {
        var o = options.Value;
        if (o.Paths.TryGetValue(model, out var path)) return Path.GetFullPath(path);
        if (!string.IsNullOrEmpty(o.ZooRoot))
        {
            string candidate = Path.Combine(o.ZooRoot, model, "model.pth");
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        string known = o.Paths.Count == 0 ? "none configured" : string.Join(", ", o.Paths.Keys);
        throw new ModelNotFoundException(model,
            $"model '{model}' is not configured (Models:Paths: {known}) and not in the zoo folder '{o.ZooRoot}'; add Models:Paths:{model} or a zoo folder");
    }

    public bool IsKnown(string model)
    {
        try
        {
            BasePath(model);
            return true;
        }
        catch (ModelNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The lineage's live version (the newest, unless a curator rolled back), registering the base model on
    /// first use (at its zoo version, else 1).</summary>
    public async Task<ModelVersionRow> LiveAsync(string model, CancellationToken cancel = default)
    {
        var latest = await store.LiveAsync(model, cancel);
        if (latest is not null) return latest;
        string path = BasePath(model);
        if (!File.Exists(path)) throw new ModelNotFoundException(model, $"model '{model}': file '{path}' does not exist");
        await store.TryAddVersionAsync(new ModelVersionRow
        {
            Model = model,
            Version = BaseVersion(options.Value.ZooRoot, model, path),
            Path = path,
            Sha256 = await FileHash.Sha256Async(path, cancel),
            CreatedAt = Persistence.Database.Timestamp(DateTimeOffset.UtcNow),
        }, cancel);
        return (await store.LiveAsync(model, cancel))!;
    }

    /// <summary>
    /// The version number a lineage's base gets: the zoo's current version when <paramref name="path"/> is the zoo's
    /// weights of that model, else 1 (a configured file, or a zoo folder without a readable manifest).
    /// </summary>
    public static int BaseVersion(string? zooRoot, string model, string path)
    {
        if (string.IsNullOrEmpty(zooRoot) || !Directory.Exists(zooRoot)) return 1;
        var zoo = new ModelZoo(zooRoot);
        if (!zoo.Contains(model) || Path.GetFullPath(zoo.WeightsPath(model)) != Path.GetFullPath(path)) return 1;
        try
        {
            return zoo.Manifest(model).Current;
        }
        catch (ZooException)
        {
            return 1;
        }
    }

    public string VersionPath(string model, int version)
    {
        string root = string.IsNullOrEmpty(options.Value.VersionsRoot)
            ? Path.Combine(Path.GetTempPath(), "acqseg-models")
            : options.Value.VersionsRoot;
        return Path.Combine(root, model, $"v{version}.pth");
    }
}
