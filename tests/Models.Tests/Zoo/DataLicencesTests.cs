using AcqSeg.Models.Zoo;
using AcqSeg.TestSupport;

namespace AcqSeg.Models.Tests.Zoo;

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
}
