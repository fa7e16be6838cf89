using AcqSeg.Engine.Network;
using AcqSeg.Engine.Zoo;
using AcqSeg.Models.Zoo;
using AcqSeg.TestSupport;
using TorchSharp;

namespace AcqSeg.Engine.Tests.Zoo;

/// <summary>ModelSuggester.FromZoo on a zoo of tiny networks (the suggestion itself is in
/// Models.Tests/Zoo/ModelSuggesterTests).</summary>
public sealed class SuggesterFromZooTests
{
    [Fact]
    public void FromZoo_LeavesOutStylesFromOtherReferenceWeights()
    {
        using var temp = new TempFolder();
        var zoo = ZooNetwork.Open(temp.Sub("models"));
        foreach (var (name, seed) in new[] { ("general", 1), ("nuclei", 2), ("cyto", 3) })
        {
            using var net = CellposeNet.Seeded(seed, [2, 8, 16, 32, 64]);
            string w = temp.File(name + ".pth");
            CellposeWeights.Save(net, w);
            zoo.AddVersion(name, w, new ModelVersion());
        }
        string sha = ModelSuggester.Sha256(zoo.WeightsPath("general"));
        zoo.SaveStyles("nuclei", new StyleSet("general", sha, [new StyleExample("n.tif", [1, 0])]));
        zoo.SaveStyles("cyto", new StyleSet("general", "0000", [new StyleExample("c.tif", [0, 1])]));

        var suggester = ModelSuggester.FromZoo(zoo, "general", 5, out var skipped);
        Assert.Equal(["nuclei"], suggester.Models);
        Assert.Contains(skipped, s => s.StartsWith("cyto", StringComparison.Ordinal));
        Assert.Contains("1 training-image styles", File.ReadAllText(Path.Combine(zoo.Folder("nuclei"), "card.md")));
        Assert.Throws<ZooException>(() => ModelSuggester.FromZoo(zoo, "cyto", 5, out _));
    }
}
