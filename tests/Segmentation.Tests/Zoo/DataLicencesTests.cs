using AcqSeg.Engine.Zoo;
using AcqSeg.Engine.Network;
using AcqSeg.Segmentation.Tests.Inference;
using AcqSeg.Models.Zoo;
using AcqSeg.TestSupport;
using TorchSharp;

namespace AcqSeg.Segmentation.Tests.Zoo;

[Collection(NetworkRunCollection.Name)]
public sealed class DataLicencesTests : IDisposable
{
    private readonly TempFolder temp = new("acqseg-licences");

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("CC0-1.0", "CC0-1.0")]
    [InlineData("cc0 1.0", "CC0-1.0")]
    [InlineData("CC BY-NC-SA 4.0", "CC-BY-NC-SA-4.0")]
    [InlineData("mit", "MIT")]
    [InlineData("BSD-3", "BSD-3-Clause")]
    public void Parse_AcceptsIdsAndTheUsualSpellings(string text, string id) => Assert.Equal(id, DataLicences.Parse(text).Id);

    [Fact]
    public void Parse_RefusesAnUnknownLicence_NamingItAndTheChoices()
    {
        var ex = Assert.Throws<ZooException>(() => DataLicences.Parse("WTFPL-ish"));
        Assert.Contains("'WTFPL-ish'", ex.Message);
        Assert.Contains("CC-BY-NC-SA-4.0", ex.Message);
    }

    [Theory]
    [InlineData("CC0 1.0 (public domain). The repo README.rst states ...", "CC0-1.0")]
    [InlineData("MIT (c) 2018 OIST", "MIT")]
    [InlineData("MoNuSeg 2018 data, **CC BY-NC-SA 4.0** (non-commercial, share-alike)", "CC-BY-NC-SA-4.0")]
    [InlineData("Repo has NO licence file. Data: free for research, cite ...", "research-only")]
    public void FirstNamed_FindsTheLicenceInFreeText(string text, string id) => Assert.Equal(id, DataLicences.FirstNamed(text)!.Id);

    [Fact]
    public void FirstNamed_MatchesWholeWordsOnly() => Assert.Null(DataLicences.FirstNamed("submitted mitosis images"));

    [Fact]
    public void FromReadme_ReadsTheSharedTrainingFolders()
    {
        string train = SharedData.RequireDirectory(Path.Combine("data", "train"));
        Assert.Equal("CC0-1.0", DataLicences.FromReadme(Path.Combine(train, "dsb2018", "fluo"))!.Value.Licence.Id);
        Assert.Equal("MIT", DataLicences.FromReadme(Path.Combine(train, "usiigaci_phase"))!.Value.Licence.Id);
        var monuseg = DataLicences.FromReadme(Path.Combine(train, "monuseg_he"))!.Value;
        Assert.Equal("CC-BY-NC-SA-4.0", monuseg.Licence.Id);
        Assert.True(monuseg.Licence.NonCommercial);
        Assert.Equal(Path.Combine(train, "README.md"), monuseg.Readme);
    }

    [Fact]
    public void FromReadme_TableRowWinsOverTheGeneralLine_AndSectionsNameTheirFolder()
    {
        string root = temp.Sub("data");
        File.WriteAllLines(Path.Combine(root, "README.md"),
        [
            "# data", "- Licence: CC0 1.0", "",
            "| folder | n | licence |", "|---|---|---|", "| `tissue/` | 3 | CC BY-NC 4.0 (clinic) |", "",
            "### `cells/`", "- License: MIT", "",
        ]);
        foreach (string f in new[] { "tissue", "cells", "plain" }) Directory.CreateDirectory(Path.Combine(root, f));
        Assert.Equal("CC-BY-NC-4.0", DataLicences.FromReadme(Path.Combine(root, "tissue"))!.Value.Licence.Id);
        Assert.Equal("MIT", DataLicences.FromReadme(Path.Combine(root, "cells"))!.Value.Licence.Id);
        Assert.Equal("CC0-1.0", DataLicences.FromReadme(Path.Combine(root, "plain"))!.Value.Licence.Id);
    }

    [Fact]
    public void FromReadme_FollowsAFoldOfLinksToWhereTheImagesLie()
    {
        string data = temp.Sub("shared/phase");
        File.WriteAllLines(Path.Combine(temp.Sub("shared"), "README.md"), ["| folder | licence |", "|---|---|", "| `phase/` | MIT |"]);
        File.WriteAllBytes(Path.Combine(data, "a_img.tif"), [1]);
        string fold = temp.Sub("cv/train");
        File.CreateSymbolicLink(Path.Combine(fold, "a_img.tif"), Path.Combine(data, "a_img.tif"));
        Assert.Equal("MIT", DataLicences.FromReadme(fold)!.Value.Licence.Id);
    }

    [Fact]
    public void FromReadme_RefusesAStatedLicenceItDoesNotKnow_AndIsNullWithoutAReadme()
    {
        string root = temp.Sub("odd");
        File.WriteAllLines(Path.Combine(root, "README.md"), ["Licence: ask the PI"]);
        var ex = Assert.Throws<ZooException>(() => DataLicences.FromReadme(root));
        Assert.Contains("ask the PI", ex.Message);
        Assert.Contains("--licence", ex.Message);
        Assert.Null(DataLicences.FromReadme(temp.Sub("nothing/here/at/all/deep")));
    }

    private string TinyWeights(string file, int seed)
    {
        torch.manual_seed(seed);
        using var net = new CellposeNet([2, 8, 16, 32, 64], 17);
        string path = temp.File(file);
        CellposeWeights.Save(net, path);
        return path;
    }

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
