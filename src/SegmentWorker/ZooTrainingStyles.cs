using System.Collections.Concurrent;
using AcqSeg.Models;
using AcqSeg.Models.Zoo;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker;

/// <summary>
/// Training styles from the zoo (models/NAME/styles.bin) for the out-of-distribution rule. A frame's style comes
/// from the network that segments it, so stored styles only compare when that same network made them (the set's
/// SHA-256 equals the version's weights'); otherwise the rule is skipped for that model rather than judged on unlike
/// vectors. Versions fine-tuned here have no stored styles of their own yet, so the rule is skipped for them too.
/// </summary>
public sealed class ZooTrainingStyles(IOptions<ModelsOptions> options, ModelStore versions) : ITrainingStyles
{
    private readonly ConcurrentDictionary<(string, int), IReadOnlyList<float[]>?> _cache = new();

    public async Task<IReadOnlyList<float[]>?> ForModelAsync(string model, int version, CancellationToken cancel)
    {
        if (_cache.TryGetValue((model, version), out var known)) return known;
        string root = options.Value.ZooRoot;
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root)) return null;
        var zoo = new ModelZoo(root);
        if (!zoo.Contains(model) || await versions.GetAsync(model, version, cancel) is not { } row) return null;
        var set = zoo.LoadStyles(model);
        IReadOnlyList<float[]>? styles = set is null || set.Examples.Count == 0
            || !string.Equals(row.Sha256, set.ReferenceSha256, StringComparison.OrdinalIgnoreCase)
            ? null
            : set.Examples.Select(e => e.Style).ToList();
        return _cache[(model, version)] = styles;
    }
}
