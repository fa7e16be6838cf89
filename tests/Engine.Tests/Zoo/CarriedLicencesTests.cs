using AcqSeg.Engine.Tests.Inference;
using AcqSeg.Engine.Zoo;
using AcqSeg.Models.Zoo;
using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Zoo;

/// <summary>The licences a version carries up its lineage, on a zoo of tiny networks (the licence vocabulary and
/// README reading are in Models.Tests/Zoo/DataLicencesTests).</summary>
[Collection(NetworkRunCollection.Name)]
public sealed class CarriedLicencesTests : IDisposable
{
    private readonly TempFolder temp = new("acqseg-licences");

    public void Dispose() => temp.Dispose();

    private string TinyWeights(string file, int seed) => TinyNetworks.Weights(temp, file, seed, diamMean: 17);

    private static DataLicence Licence(string id, string data) => new() { Licence = id, Data = data };

    [Fact]
    public void CarriedLicences_DescendantsOfNonCommercialDataAreNonCommercial_AcrossModels()
    {
        var zoo = ZooNetwork.Open(temp.Sub("models"));
        zoo.AddVersion("nuclei", TinyWeights("a.pth", 1), new ModelVersion { Licences = [Licence("CC0-1.0", "dsb")] });
        zoo.AddVersion("he", TinyWeights("b.pth", 2), new ModelVersion
        {
            Parent = ModelParent.FromModel("nuclei", 1), Licences = [Licence("CC-BY-NC-SA-4.0", "monuseg")],
        });
        zoo.AddVersion("he", TinyWeights("c.pth", 3), new ModelVersion { Parent = ModelParent.FromModel("he", 1), Licences = [Licence("lab-owned", "corrections")] });
        zoo.AddVersion("tissue", TinyWeights("d.pth", 4), new ModelVersion { Parent = ModelParent.FromModel("he", 2) });

        var nuclei = zoo.CarriedLicences("nuclei");
        Assert.DoesNotContain(nuclei, c => c.NonCommercial);
        var tissue = zoo.CarriedLicences("tissue");
        Assert.Equal(["lab-owned", "CC-BY-NC-SA-4.0", "CC0-1.0"], tissue.Select(c => c.Licence.Licence));
        Assert.Equal(["he v2", "he v1", "nuclei v1"], tissue.Select(c => c.Via));
        Assert.True(tissue.Single(c => c.Licence.Licence == "CC-BY-NC-SA-4.0").NonCommercial);

        string card = File.ReadAllText(Path.Combine(zoo.Folder("tissue"), ModelZoo.CardFile));
        Assert.Contains("**Non-commercial: trained through its lineage on data under CC BY-NC-SA 4.0 (monuseg via he v1)", card);
        Assert.Contains("shared alike", card);
        Assert.DoesNotContain("Non-commercial", File.ReadAllText(Path.Combine(zoo.Folder("nuclei"), ModelZoo.CardFile)));
    }

    [Fact]
    public void RecordLicence_OnAnAncestor_RewritesTheCardsOfDescendantsInOtherModels()
    {
        var zoo = ZooNetwork.Open(temp.Sub("models2"));
        zoo.AddVersion("base", TinyWeights("a.pth", 1), new ModelVersion());
        zoo.AddVersion("child", TinyWeights("b.pth", 2), new ModelVersion { Parent = ModelParent.FromModel("base", 1) });
        Assert.Contains("None recorded", File.ReadAllText(Path.Combine(zoo.Folder("child"), ModelZoo.CardFile)));

        zoo.RecordLicence("base", Licence("CC-BY-NC-4.0", "clinic slides"), version: 1);

        string card = File.ReadAllText(Path.Combine(zoo.Folder("child"), ModelZoo.CardFile));
        Assert.Contains("| clinic slides | CC BY-NC 4.0 | **yes** | base v1 |", card);
        Assert.Throws<ZooException>(() => zoo.RecordLicence("base", Licence("nonsense", "x")));
        Assert.Throws<ZooException>(() => zoo.RecordLicence("base", Licence("MIT", " ")));
    }
}
