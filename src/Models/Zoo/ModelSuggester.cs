using System.Security.Cryptography;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Models.Zoo;

/// <summary>A stored style with the model whose training image it came from.</summary>
public sealed record LabelledStyle(string Model, string Image, float[] Style);

/// <summary>One of the k nearest stored styles.</summary>
public sealed record StyleNeighbour(string Model, string Image, double Distance);

/// <summary>The chosen model, the neighbours that voted (nearest first) and the votes per model.</summary>
public sealed record ModelSuggestion(string Model, IReadOnlyList<StyleNeighbour> Neighbours, IReadOnlyDictionary<string, int> Votes);

/// <summary>
/// Cellpose's style-based model choice (gui.py suggest_model): the image's style (from one reference network) is
/// compared by Euclidean distance with every stored training style; the k nearest vote with their model; the most
/// votes win. Ties go to the tied model with the nearest neighbour (Cellpose's scipy mode picks the lowest cluster
/// label instead, which has no meaning here). Immutable and thread-safe once built.
/// </summary>
public sealed class ModelSuggester
{
    private readonly LabelledStyle[] examples;

    public ModelSuggester(IEnumerable<LabelledStyle> examples, int k = 5)
    {
        ArgumentNullException.ThrowIfNull(examples);
        this.examples = examples.ToArray();
        if (this.examples.Length == 0) throw new ArgumentException("no stored styles to compare with", nameof(examples));
        int length = this.examples[0].Style.Length;
        if (this.examples.Any(e => e.Style.Length != length))
            throw new ArgumentException("stored styles have different lengths; they must all come from one reference network", nameof(examples));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1");
        K = k;
        StyleLength = length;
        Models = this.examples.Select(e => e.Model).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public int K { get; }
    public int StyleLength { get; }
    public IReadOnlyList<string> Models { get; }

    /// <summary>Reference model the styles came from, when built from a zoo.</summary>
    public string? Reference { get; private init; }

    public ModelSuggestion Suggest(ReadOnlySpan<float> style)
    {
        if (style.Length != StyleLength)
            throw new ArgumentException($"style has {style.Length} values, the stored styles {StyleLength}: compute it with the reference network", nameof(style));
        var distances = new double[examples.Length];
        for (int i = 0; i < examples.Length; i++)
        {
            var s = examples[i].Style;
            double sum = 0;
            for (int j = 0; j < s.Length; j++)
            {
                double d = s[j] - style[j];
                sum += d * d;
            }
            distances[i] = Math.Sqrt(sum);
        }
        // Stable: equal distances keep the stored order, so a suggestion never depends on sort internals.
        var order = Enumerable.Range(0, examples.Length).OrderBy(i => distances[i]).ThenBy(i => i).ToArray();
        int k = Math.Min(K, examples.Length);
        var neighbours = new List<StyleNeighbour>(k);
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int n = 0; n < k; n++)
        {
            var e = examples[order[n]];
            neighbours.Add(new StyleNeighbour(e.Model, e.Image, distances[order[n]]));
            votes[e.Model] = votes.GetValueOrDefault(e.Model) + 1;
        }
        int best = votes.Values.Max();
        // The first neighbour (nearest first) whose model has the most votes breaks ties.
        string choice = neighbours.First(nb => votes[nb.Model] == best).Model;
        return new ModelSuggestion(choice, neighbours, votes);
    }

    /// <summary>
    /// Every zoo model's stored styles that were computed with <paramref name="referenceModel"/>'s current weights
    /// (styles from other weights are not comparable and are left out, named in <paramref name="skipped"/>).
    /// </summary>
    public static ModelSuggester FromZoo(ModelZoo zoo, string referenceModel, int k, out IReadOnlyList<string> skipped)
    {
        ArgumentNullException.ThrowIfNull(zoo);
        string sha = Sha256(zoo.WeightsPath(referenceModel));
        var all = new List<LabelledStyle>();
        var left = new List<string>();
        foreach (string name in zoo.Names())
        {
            var set = zoo.LoadStyles(name);
            if (set is null) continue;
            if (!string.Equals(set.ReferenceSha256, sha, StringComparison.OrdinalIgnoreCase))
            {
                left.Add($"{name} (styles from '{set.Reference}' with other weights; rerun `acqseg zoo add-styles {name}`)");
                continue;
            }
            all.AddRange(set.Examples.Select(e => new LabelledStyle(name, e.Image, e.Style)));
        }
        skipped = left;
        if (all.Count == 0)
            throw new ZooException($"no zoo model has styles computed with '{referenceModel}'; run `acqseg zoo add-styles NAME --dir DIR --reference-model {referenceModel}` for each model");
        return new ModelSuggester(all, k) { Reference = referenceModel };
    }

    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
