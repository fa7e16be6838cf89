using AcqSeg.Imaging.Io;
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
/// Model lineages: a name's version 1 is its base model (from configuration or the zoo), later versions are
/// fine-tuned ones recorded in the database by the train worker.
/// </summary>
public sealed class ModelCatalog(IOptions<ModelsOptions> options, ModelStore store)
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

    /// <summary>The lineage's live version (the newest, unless a curator rolled back), registering the base model as
    /// version 1 on first use.</summary>
    public async Task<ModelVersionRow> LatestAsync(string model, CancellationToken cancel = default)
    {
        var latest = await store.LiveAsync(model, cancel);
        if (latest is not null) return latest;
        string path = BasePath(model);
        if (!File.Exists(path)) throw new ModelNotFoundException(model, $"model '{model}': file '{path}' does not exist");
        await store.TryAddVersionAsync(new ModelVersionRow
        {
            Model = model,
            Version = 1,
            Path = path,
            Sha256 = await FileHash.Sha256Async(path, cancel),
            CreatedAt = Persistence.Database.Timestamp(DateTimeOffset.UtcNow),
        }, cancel);
        return (await store.LiveAsync(model, cancel))!;
    }

    public string VersionPath(string model, int version)
    {
        string root = string.IsNullOrEmpty(options.Value.VersionsRoot)
            ? Path.Combine(Path.GetTempPath(), "acqseg-models")
            : options.Value.VersionsRoot;
        return Path.Combine(root, model, $"v{version}.pth");
    }
}
