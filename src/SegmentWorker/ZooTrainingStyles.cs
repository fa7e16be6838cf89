using AcqSeg.Models;
using System.Collections.Concurrent;
using AcqSeg.Models.Zoo;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker;

/// <summary>
/// Training styles from the zoo (models/NAME/styles.bin) for the out-of-distribution rule. A frame's style comes
/// from the network that segments it, so stored styles only compare when that same network made them (the set's
/// SHA-256 equals the weights'); otherwise the rule is skipped for that model rather than judged on unlike vectors.
/// Fine-tuned versions (2 and up) have no stored styles of their own yet, so the rule is skipped for them too.
/// </summary>
public sealed class ZooTrainingStyles(IOptions<ModelsOptions> options, ModelCatalog catalog) : ITrainingStyles
{
    private readonly ConcurrentDictionary<(string, int), IReadOnlyList<float[]>?> _cache = new();

    public Task<IReadOnlyList<float[]>?> ForModelAsync(string model, int version, CancellationToken cancel)
    {
        string root = options.Value.ZooRoot;
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root)) return Task.FromResult<IReadOnlyList<float[]>?>(null);
        return Task.FromResult(_cache.GetOrAdd((model, version), key =>
        {
            var zoo = new ModelZoo(root);
            if (key.Item2 != 1 || !zoo.Contains(key.Item1)) return null;
            var set = zoo.LoadStyles(key.Item1);
            if (set is null || set.Examples.Count == 0) return null;
            string weights = catalog.BasePath(key.Item1);
            if (!string.Equals(ModelSuggester.Sha256(weights), set.ReferenceSha256, StringComparison.OrdinalIgnoreCase)) return null;
            return set.Examples.Select(e => e.Style).ToList();
        }));
    }
}
