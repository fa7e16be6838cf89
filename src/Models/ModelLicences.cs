using System.Collections.Concurrent;
using AcqSeg.Models.Zoo;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.Models;

/// <summary>One licence a lineage's versions carry, as the models page and the API list it.</summary>
public sealed record CarriedLicenceView(string Licence, string Title, string Data, string? Via, bool NonCommercial);

/// <summary>
/// The data licences of a service lineage: its base model (its first version) is matched to the zoo version with the same
/// weights (SHA-256), whose carried licences (its own training data and its lineage's) every later version inherits;
/// versions fine-tuned here add the curators' corrections (the lab's own data). Answers are kept per base checksum.
/// </summary>
public sealed class ModelLicences(IOptions<ModelsOptions> options)
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<CarriedLicenceView>> _byBase = new(StringComparer.Ordinal);

    public IReadOnlyList<CarriedLicenceView> Of(ModelVersionRow baseVersion, bool fineTunedHere)
    {
        ArgumentNullException.ThrowIfNull(baseVersion);
        var inherited = _byBase.GetOrAdd(baseVersion.Sha256, _ => FromZoo(baseVersion));
        if (!fineTunedHere) return inherited;
        var own = DataLicences.Find("lab-owned")!;
        return [.. inherited, new CarriedLicenceView(own.Id, own.Title, "corrections curated in this service", null, own.NonCommercial)];
    }

    private IReadOnlyList<CarriedLicenceView> FromZoo(ModelVersionRow baseVersion)
    {
        string root = options.Value.ZooRoot;
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root)) return [];
        var zoo = new ModelZoo(root);
        try
        {
            if (zoo.ResolveParent(new ModelParent { Sha256 = baseVersion.Sha256 }) is not { Model: { } name, Version: { } version }) return [];
            string via = $"{name} v{version}";
            return zoo.CarriedLicences(name, version).Select(c =>
            {
                var known = DataLicences.Find(c.Licence.Licence);
                return new CarriedLicenceView(c.Licence.Licence, known?.Title ?? c.Licence.Licence, c.Licence.Data, c.Via ?? via, c.NonCommercial);
            }).ToList();
        }
        catch (ZooException)
        {
            return []; // an unreadable manifest: the zoo's own commands report it
        }
    }
}
