using System.Globalization;
using System.Text.Json;
using AcqSeg.Engine.Network;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

public class HitlCommandTests
{
    private static void WritePair(string dir, string name, SynthFrame f)
    {
        TiffWriter.WriteFloatPages(Path.Combine(dir, name + "_img.tif"), [f.Image.Channel(0).ToArray()], f.Image.Height, f.Image.Width);
        TiffWriter.WriteLabels(Path.Combine(dir, name + "_masks.tif"), f.Masks);
    }

    /// <summary>Small synthetic images to correct, one test image and an untrained tiny network to start from.</summary>
    private static (string Images, string Test, string Out, string Pretrained) SmallExperiment(TempFolder tmp, int imageCount)
    {
        string images = tmp.Sub("images"), test = tmp.Sub("test"), outDir = tmp.Sub("out");
        for (int i = 0; i < imageCount; i++) WritePair(images, $"im{i}", SyntheticFrames.Generate(new SynthSettings { Height = 96, Width = 96, Diameter = 16, Seed = i }));
        WritePair(test, "t0", SyntheticFrames.Generate(new SynthSettings { Height = 96, Width = 96, Diameter = 16, Seed = 50 }));
        string pretrained = tmp.File("tiny.pth");
        using (var net = CellposeNet.Seeded(0, [2, 8, 16, 32, 64], diamMean: 16)) CellposeWeights.Save(net, pretrained);
        return (images, test, outDir, pretrained);
    }

    [Fact]
    public void Hitl_ShortRun_WritesStepsBaselinesAndPlot_CountingManualRois()
    {
        using var tmp = new TempFolder();
        var (images, test, outDir, pretrained) = SmallExperiment(tmp, imageCount: 3);

        var run = CliRun.Of("hitl", "--images", images, "--test", test, "--pretrained", pretrained, "--steps", "2", "--epochs", "2",
            "--baseline-epochs", "1", "--out", outDir, "--device", "cpu", "--reference", pretrained);
        Assert.True(run.ExitCode == 0, run.Error);

        var lines = File.ReadAllLines(Path.Combine(outDir, "hitl.csv"));
        Assert.Equal(4, lines.Length); // header, step 0, two steps
        var rows = lines.Skip(2).Select(l => l.Split(',')).ToList();
        int firstDrawn = int.Parse(rows[0][2], CultureInfo.InvariantCulture);
        int cumulative = int.Parse(rows[1][3], CultureInfo.InvariantCulture);
        var truth0 = TiffReader.ReadLabels(Path.Combine(images, "im0_masks.tif")).CountObjects();
        // The untrained network finds (almost) nothing: the curator draws the first image's objects by hand.
        Assert.InRange(firstDrawn, 1, truth0);
        Assert.True(cumulative >= firstDrawn);
        Assert.All(rows, r => Assert.InRange(double.Parse(r[7], CultureInfo.InvariantCulture), 0, 1));

        using var baselines = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "baselines.json")));
        foreach (string key in new[] { "pretrained_ap50", "offline_from_pretrained_ap50", "offline_from_scratch_ap50" })
            Assert.InRange(baselines.RootElement.GetProperty(key).GetDouble(), 0, 1);
        // The reference here is the pretrained network itself: same score, so the goal holds before any correction.
        var root = baselines.RootElement;
        Assert.Equal(root.GetProperty("pretrained_ap50").GetDouble(), root.GetProperty("reference_ap50").GetDouble(), 12);
        Assert.Equal(root.GetProperty("reference_ap50").GetDouble() - 0.03, root.GetProperty("goal_ap50").GetDouble(), 12);
        Assert.Equal(0, root.GetProperty("goal_reached_at_rois").GetInt32());
        Assert.Contains("within 0.03 after 0 manual ROIs", run.Out);
        Assert.True(new FileInfo(Path.Combine(outDir, "hitl.png")).Length > 500);
        Assert.True(File.Exists(Path.Combine(outDir, "steps", "step_02.pth")));
    }

    [Fact]
    public void Hitl_RunAgainWithMoreSteps_ContinuesTheRecordedRun_AndRefusesOtherSettings()
    {
        using var tmp = new TempFolder();
        var (images, test, outDir, pretrained) = SmallExperiment(tmp, imageCount: 2);
        string[] Args(int steps, int seed, int baselineEpochs = 0) => ["hitl", "--images", images, "--test", test, "--pretrained", pretrained,
            "--steps", steps.ToString(CultureInfo.InvariantCulture), "--epochs", "2", "--baseline-epochs", baselineEpochs.ToString(CultureInfo.InvariantCulture),
            "--out", outDir, "--device", "cpu", "--seed", seed.ToString(CultureInfo.InvariantCulture)];

        var first = CliRun.Of(Args(1, 3));
        Assert.True(first.ExitCode == 0, first.Error);
        string step1 = Path.Combine(outDir, "steps", "step_01.pth");
        var step1Written = File.GetLastWriteTimeUtc(step1);
        var firstRows = File.ReadAllLines(Path.Combine(outDir, "hitl.csv"));
        Assert.Equal(3, firstRows.Length);

        var second = CliRun.Of(Args(2, 3));
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("1 step(s) recorded", second.Out);
        var rows = File.ReadAllLines(Path.Combine(outDir, "hitl.csv"));
        Assert.Equal(4, rows.Length);
        Assert.Equal(firstRows[1..3], rows[1..3]);                  // step 0 and step 1 kept as recorded
        Assert.Equal(step1Written, File.GetLastWriteTimeUtc(step1)); // step 1 was not retrained
        Assert.True(File.Exists(Path.Combine(outDir, "steps", "step_02.pth")));

        // Baselines are kept too once recorded for the same images and epochs.
        var withBaselines = CliRun.Of(Args(2, 3, baselineEpochs: 1));
        Assert.True(withBaselines.ExitCode == 0, withBaselines.Error);
        string baselines = File.ReadAllText(Path.Combine(outDir, "baselines.json"));
        var scratchWritten = File.GetLastWriteTimeUtc(Path.Combine(outDir, "offline_from_scratch.pth"));
        var again = CliRun.Of(Args(2, 3, baselineEpochs: 1));
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("already recorded: kept", again.Out);
        Assert.Equal(baselines, File.ReadAllText(Path.Combine(outDir, "baselines.json")));
        Assert.Equal(scratchWritten, File.GetLastWriteTimeUtc(Path.Combine(outDir, "offline_from_scratch.pth")));

        var other = CliRun.Of(Args(2, 4));
        Assert.Equal(CliApp.UsageError, other.ExitCode);
        Assert.Contains("other settings", other.Error);
    }

    [Fact]
    public void Hitl_EmptyImagesFolder_IsAUsageError()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("hitl", "--images", tmp.Path, "--test", tmp.Path, "--pretrained", "x.pth", "--out", tmp.Sub("o"));
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("--images", run.Error);
    }

    [Fact]
    public void Hitl_RedrawBelowAtOrUnderTheMatchThreshold_IsAUsageErrorNamingTheOption()
    {
        using var tmp = new TempFolder();
        var (images, test, outDir, pretrained) = SmallExperiment(tmp, imageCount: 1);
        var run = CliRun.Of("hitl", "--images", images, "--test", test, "--pretrained", pretrained, "--out", outDir, "--redraw-below", "0.4");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("--redraw-below 0.4", run.Error);
    }

    [Fact]
    public void Hitl_RedrawBelowOne_RedrawsEveryImperfectMatch_AndRecordsTheRedrawnColumn()
    {
        using var tmp = new TempFolder();
        var (images, test, outDir, pretrained) = SmallExperiment(tmp, imageCount: 1);
        var run = CliRun.Of("hitl", "--images", images, "--test", test, "--pretrained", pretrained, "--steps", "1", "--epochs", "1",
            "--baseline-epochs", "0", "--out", outDir, "--device", "cpu", "--redraw-below", "1");
        Assert.True(run.ExitCode == 0, run.Error);
        var lines = File.ReadAllLines(Path.Combine(outDir, "hitl.csv"));
        Assert.EndsWith(",redrawn", lines[0]);
        var row = lines[2].Split(',');
        int manual = int.Parse(row[2], CultureInfo.InvariantCulture), kept = int.Parse(row[4], CultureInfo.InvariantCulture);
        int redrawn = int.Parse(row[9], CultureInfo.InvariantCulture);
        // Every true object is either kept as a pixel-perfect prediction or drawn by hand (missed or redrawn).
        var truth0 = TiffReader.ReadLabels(Path.Combine(images, "im0_masks.tif")).CountObjects();
        Assert.Equal(truth0, manual + kept);
        Assert.InRange(redrawn, 0, manual);
        Assert.Contains("\"RedrawBelow\": 1", File.ReadAllText(Path.Combine(outDir, "hitl-run.json")));
    }
}
