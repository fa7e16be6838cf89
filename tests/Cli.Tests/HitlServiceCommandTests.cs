using System.Globalization;
using System.Text.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

/// <summary>`acqseg hitl-service`: the loop through a real `acqseg run` child process and the review API with a token.</summary>
public class HitlServiceCommandTests
{
    private static void WritePair(string dir, string name, SynthFrame f)
    {
        TiffWriter.WriteImage(Path.Combine(dir, name + "_img.tif"), f.Image, 16);
        TiffWriter.WriteLabels(Path.Combine(dir, name + "_masks.tif"), f.Masks);
    }

    /// <summary>
    /// A weight file's lineage starts at v1; a zoo model's at its zoo version (the service's numbering, so the loop's
    /// check that each frame is segmented by the version live when it was written holds from the first frame).
    /// </summary>
    [SkippableTheory]
    [InlineData("file")]
    [InlineData("zoo")]
    public void TinyLoop_PublishesAVersion_AndTheNextFrameIsSegmentedByIt(string startKind)
    {
        string start = startKind == "file" ? SharedData.Reference("cpnet_synth_e40.pth") : "nuclei";
        int v = startKind == "file" ? 1 : new AcqSeg.Models.Zoo.ModelZoo(ModelLocator.ZooRoot()!).Manifest("nuclei").Current;
        string V(int offset) => (v + offset).ToString(CultureInfo.InvariantCulture);
        using var tmp = new TempFolder("acqseg-hitl-service");
        string images = tmp.Sub("images"), test = tmp.Sub("test"), outDir = tmp.Sub("out");
        for (int i = 0; i < 2; i++)
            WritePair(images, $"im{i}", SyntheticFrames.Generate(new SynthSettings { Height = 128, Width = 128, Diameter = 20, Density = 0.25, Seed = 70 + i }));
        WritePair(test, "t0", SyntheticFrames.Generate(new SynthSettings { Height = 128, Width = 128, Diameter = 20, Density = 0.25, Seed = 90 }));

        // One epoch of 64-pixel crops, and every candidate published: this is about the loop, not the score.
        var run = CliRun.Of("hitl-service", "--images", images, "--test", test, "--start", start, "--out", outDir, "--steps", "2",
            "--epochs", "1", "--crop-size", "64", "--min-ap-gain", "-1", "--diameter", "20", "--step-timeout", "10");
        Assert.True(run.ExitCode == 0, $"{run.Error}\n{run.Out}\n{ServiceLog(outDir)}");

        var rows = File.ReadAllLines(Path.Combine(outDir, "service-hitl.csv")).Select(l => l.Split(',')).ToList();
        var header = rows[0];
        int Col(string name) => Array.IndexOf(header, name);
        Assert.Equal(["0", "1", "2"], rows.Skip(1).Select(r => r[0]));
        var first = rows[2];
        var second = rows[3];
        Assert.Equal(V(0), first[Col("segmented_by_version")]);
        Assert.Equal("Published", first[Col("round")]);
        Assert.Equal(V(1), first[Col("published_version")]);
        // The frame written after the new version was published is segmented by it.
        Assert.Equal(V(1), second[Col("segmented_by_version")]);
        Assert.Equal(V(1), second[Col("live_version_when_written")]);
        // Its round is skipped: frame 2 is the only frame the new version never saw, so it is held back, and training on frame 1 alone
        // would relearn v2 (HoldOut.NewToCurrent).
        Assert.Equal(("Rejected", ""), (second[Col("round")], second[Col("published_version")]));
        Assert.Equal("", second[Col("held_out_ap_after")]);
        Assert.InRange(double.Parse(second[Col("test_ap50")], CultureInfo.InvariantCulture), 0, 1);
        int drawn = rows.Skip(2).Sum(r => int.Parse(r[Col("drawn")], CultureInfo.InvariantCulture));
        Assert.Equal(drawn, int.Parse(second[Col("cumulative_manual_rois")], CultureInfo.InvariantCulture));
        Assert.Contains("acqseg run stopped with SIGTERM", run.Out);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "service-hitl.json")));
        Assert.Equal(1, summary.RootElement.GetProperty("published_versions").GetInt32());
        Assert.True(summary.RootElement.GetProperty("finished").GetBoolean());
        Assert.Equal(2, summary.RootElement.GetProperty("steps_done").GetInt32());
        Assert.True(new FileInfo(Path.Combine(outDir, "service-hitl.png")).Length > 1000);
        // The service really ran as its own process and trained through its train worker.
        Assert.Contains($"published v{V(1)}", ServiceLog(outDir));
        Assert.Contains($"skipped: every frame this run could train on was already learnt by v{V(1)}", ServiceLog(outDir));
    }

    private static string ServiceLog(string outDir)
    {
        string log = Path.Combine(outDir, "service.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no service.log)";
    }

    [Theory]
    [InlineData("--steps", "0", "--steps 0 must be >= 1")]
    [InlineData("--diameter", "0", "--diameter 0 must be > 0")]
    [InlineData("--crop-size", "50", "--crop-size 50 must be a multiple of 16")]
    [InlineData("--bus", "carrier-pigeon://x", "--bus:")]
    public void BadOption_NamesItAndExits2(string option, string value, string message)
    {
        using var tmp = new TempFolder();
        string images = tmp.Sub("images");
        WritePair(images, "a", SyntheticFrames.Generate(new SynthSettings { Height = 64, Width = 64, Diameter = 12, Seed = 1 }));
        var run = CliRun.Of("hitl-service", "--images", images, "--test", images, "--start", "none.pth", "--out", tmp.Sub("o"), option, value);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public void AFolderWithoutMasks_IsRefusedByName()
    {
        using var tmp = new TempFolder();
        string bare = tmp.Sub("bare");
        var run = CliRun.Of("hitl-service", "--images", bare, "--test", bare, "--start", "x", "--out", tmp.Sub("o"));
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains($"--images '{bare}' holds no image/mask pairs", run.Error);
    }
}
