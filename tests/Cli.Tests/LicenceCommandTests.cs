using AcqSeg.Engine.Zoo;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Models.Zoo;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

/// <summary>Data licences through `train` (from the data README or --licence), `zoo licence` and `zoo list`.</summary>
public class LicenceCommandTests
{
    /// <summary>A folder of two synthetic image/mask pairs under a README that states <paramref name="readmeLicence"/>.</summary>
    private static string DataFolder(TempFolder tmp, string name, string? readmeLicence)
    {
        string root = tmp.Sub("data");
        if (readmeLicence is not null)
            File.AppendAllLines(Path.Combine(root, "README.md"), [$"### `{name}/`", $"- Licence: {readmeLicence}", ""]);
        string dir = tmp.Sub(Path.Combine("data", name));
        for (int i = 0; i < 2; i++)
        {
            var f = SyntheticFrames.Generate(new SynthSettings { Style = SynthStyle.Nuclei, Height = 96, Width = 96, Diameter = 14, Density = 0.3, Seed = 40 + i });
            TiffWriter.WriteImage(Path.Combine(dir, $"{name}{i}_img.tif"), f.Image, 8);
            TiffWriter.WriteLabels(Path.Combine(dir, $"{name}{i}_masks.tif"), f.Masks);
        }
        return dir;
    }

    private static string[] Train(string zoo, string name, params string[] more) =>
        ["train", "--epochs", "1", "--widths", "2,8,16,32,64", "--name", name, "--out", Path.Combine(zoo, name), "--device", "cpu",
            "--checkpoint-every", "100", "--norm-crops", "0", "--schedule", "online", .. more];

    [Fact]
    public void Train_RecordsEachFoldersLicence_AndEveryDescendantOfNonCommercialDataIsMarked()
    {
        using var tmp = new TempFolder();
        string zoo = tmp.Sub("models");
        string open = DataFolder(tmp, "open", "CC0 1.0 (public domain)");
        string clinic = DataFolder(tmp, "clinic", "CC BY-NC-SA 4.0, cite ...");
        string own = DataFolder(tmp, "own", null);

        var first = CliRun.Of(Train(zoo, "base", "--dir", open, "--synth-style", "nuclei", "--synth-count", "1"));
        Assert.True(first.ExitCode == 0, first.Error);
        var second = CliRun.Of(Train(zoo, "he", "--dir", clinic, "--pretrained", Path.Combine(zoo, "base", "model.pth")));
        Assert.True(second.ExitCode == 0, second.Error);
        var third = CliRun.Of(Train(zoo, "lab", "--dir", own, "--licence", "lab-owned", "--pretrained", Path.Combine(zoo, "he", "model.pth")));
        Assert.True(third.ExitCode == 0, third.Error);

        var m = ZooNetwork.Open(zoo);
        var baseLicences = m.Manifest("base").CurrentVersion.Licences!;
        Assert.Equal(["CC0-1.0", "generated"], baseLicences.Select(l => l.Licence));
        Assert.EndsWith("README.md", baseLicences[0].Source);
        Assert.Equal("--licence", m.Manifest("lab").CurrentVersion.Licences!.Single().Source);
        var lab = m.CarriedLicences("lab");
        Assert.Contains(lab, c => c.Licence.Licence == "CC-BY-NC-SA-4.0" && c.Via == "he v1" && c.NonCommercial);
        Assert.Contains("Non-commercial", File.ReadAllText(Path.Combine(zoo, "lab", "card.md")));
        Assert.DoesNotContain("Non-commercial", File.ReadAllText(Path.Combine(zoo, "base", "card.md")));

        var list = CliRun.Of("zoo", "list", "--zoo", zoo);
        Assert.Equal(0, list.ExitCode);
        var lines = list.Out.Split('\n');
        Assert.EndsWith("CC0-1.0,generated", lines.Single(l => l.StartsWith("base ", StringComparison.Ordinal)).TrimEnd());
        Assert.EndsWith("(NON-COMMERCIAL)", lines.Single(l => l.StartsWith("lab ", StringComparison.Ordinal)).TrimEnd());
        Assert.EndsWith("(NON-COMMERCIAL)", lines.Single(l => l.StartsWith("he ", StringComparison.Ordinal)).TrimEnd());
    }

    [Fact]
    public void Train_WithoutAnyLicence_RecordsUnknownAndSaysHowToGiveIt()
    {
        using var tmp = new TempFolder();
        string zoo = tmp.Sub("models");
        string own = DataFolder(tmp, "own", null);
        var run = CliRun.Of(Train(zoo, "m", "--dir", own));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"no licence for --dir '{own}'", run.Error);
        Assert.Contains($"--licence {own}=ID", run.Error);
        Assert.Equal(DataLicences.Unknown, ZooNetwork.Open(zoo).Manifest("m").CurrentVersion.Licences!.Single().Licence);
    }

    [Fact]
    public void Train_RefusesAnUnknownLicence_AFolderWithoutMasks_AndALicenceForAFolderNotTrainedOn()
    {
        using var tmp = new TempFolder();
        string zoo = tmp.Sub("models");
        string own = DataFolder(tmp, "own", null);

        var unknown = CliRun.Of(Train(zoo, "m", "--dir", own, "--licence", "free-ish"));
        Assert.Equal(CliApp.UsageError, unknown.ExitCode);
        Assert.Contains("--licence 'free-ish': unknown licence 'free-ish': use one of CC0-1.0", unknown.Error);

        string bare = tmp.Sub("images-only");
        File.Copy(Directory.GetFiles(own, "*_img.tif")[0], Path.Combine(bare, "x_img.tif"));
        var noMasks = CliRun.Of(Train(zoo, "m", "--dir", bare));
        Assert.Equal(CliApp.UsageError, noMasks.ExitCode);
        Assert.Contains($"--dir '{bare}' holds no image/mask pairs", noMasks.Error);

        var elsewhere = CliRun.Of(Train(zoo, "m", "--dir", own, "--licence", "/not/trained/on=MIT"));
        Assert.Equal(CliApp.UsageError, elsewhere.ExitCode);
        Assert.Contains("'/not/trained/on' is not one of the --dir folders", elsewhere.Error);

        string odd = DataFolder(tmp, "odd", "ask the PI first");
        var unstated = CliRun.Of(Train(zoo, "m", "--dir", odd));
        Assert.Equal(CliApp.UsageError, unstated.ExitCode);
        Assert.Contains("'ask the PI first', which acqseg does not know: pass --licence", unstated.Error);
        Assert.False(Directory.Exists(Path.Combine(zoo, "m", "versions")));
    }

    [Fact]
    public void ZooLicence_RecordsOnAVersion_PrintsWhatItCarries_AndRefusesUnknownIds()
    {
        using var tmp = new TempFolder();
        string zoo = tmp.Sub("models");
        Assert.Equal(0, CliRun.Of(Train(zoo, "m", "--synth-style", "nuclei", "--synth-count", "1")).ExitCode);

        var record = CliRun.Of("zoo", "licence", "m@1", "CC-BY-NC-4.0", "--data", "slides from the clinic", "--zoo", zoo);
        Assert.True(record.ExitCode == 0, record.Error);
        Assert.Contains("m v1: slides from the clinic: CC BY-NC 4.0 (non-commercial)", record.Out);
        Assert.Contains("Non-commercial: trained on data under CC BY-NC 4.0 (slides from the clinic)", record.Out);

        var bad = CliRun.Of("zoo", "licence", "m", "CC-BY-XYZ", "--data", "d", "--zoo", zoo);
        Assert.Equal(CliApp.UsageError, bad.ExitCode);
        Assert.Contains("unknown licence 'CC-BY-XYZ'", bad.Error);
        var noData = CliRun.Of("zoo", "licence", "m", "MIT", "--zoo", zoo);
        Assert.Equal(CliApp.UsageError, noData.ExitCode);
        Assert.Contains("--data", noData.Error);
    }
}
