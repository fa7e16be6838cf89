using AcqSeg.Cli.Hitl;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

/// <summary>`acqseg plot`: a run's chart redrawn from the files it left (hand-written here; no training).</summary>
public class PlotCommandTests
{
    private static readonly (byte, byte, byte) Blue = (31, 119, 180), Orange = (255, 127, 14), Grey = (127, 127, 127), Purple = (148, 103, 189),
        Green = (44, 160, 44), Red = (214, 39, 40);

    private const string HitlCsv = """
        step,image,manual_rois,cumulative_manual_rois,kept,removed,train_images,test_ap50,train_seconds
        0,,0,0,0,0,0,0.1000,0
        1,a_img.tif,30,30,0,4,1,0.6000,200.0
        2,b_img.tif,3,33,28,1,2,0.7000,210.0
        """;

    private static void WriteService(string dir, bool withSummary = true)
    {
        File.WriteAllText(Path.Combine(dir, "service-hitl.csv"), """
            step,image,frame_id,segmented_by_version,live_version_when_written,state_after_segmentation,kept,drawn,removed,cumulative_manual_rois,round,published_version,held_out_ap_before,held_out_ap_after,round_seconds,live_version,test_ap50
            0,,,,,,,,,0,,,,,,1,0.1000
            1,a_img.tif,00000000-0000-0000-0000-000000000001,1,1,Flagged,0,30,4,30,Published,2,0.0000,0.5000,200.0,2,0.6500
            2,b_img.tif,00000000-0000-0000-0000-000000000002,2,2,Segmented,29,3,0,33,Rejected,,0.6500,0.6400,210.0,2,0.6500
            """);
        if (withSummary)
            File.WriteAllText(Path.Combine(dir, "service-hitl.json"), """
                { "start_model": "cyto", "images": "/data/phase_images", "reference": "phase", "reference_ap50": 0.8, "goal_ap50": 0.77 }
                """);
    }

    /// <summary>Pixels of a colour inside the axes (away from the text, whose anti-aliased edges hold every grey).</summary>
    private static int Pixels(string png, (byte, byte, byte) colour)
    {
        var image = ChartImage.Load(png);
        return image.CountColour(image.Width / 5, image.Height / 10, image.Width * 4 / 5, image.Height * 2 / 3, colour);
    }

    [Fact]
    public void PlotHitlService_RedrawsThePng_WithTheReferenceAndGoalLines()
    {
        using var tmp = new TempFolder();
        WriteService(tmp.Path);
        var run = CliRun.Of("plot", "hitl-service", tmp.Path);
        Assert.True(run.ExitCode == 0, run.Error);
        string png = tmp.File("service-hitl.png");
        Assert.Contains($"wrote {png}", run.Out);
        var image = ChartImage.Load(png);
        Assert.Equal((900, 600), (image.Width, image.Height));
        Assert.True(image.DarkRows(image.Width / 4, 0, image.Width * 3 / 4, image.Height / 10) >= 8, "a title");
        Assert.True(Pixels(png, Blue) > 100, "the service's curve");
        Assert.True(Pixels(png, Grey) > 100 && Pixels(png, Purple) > 100, "the reference and goal lines");
        Assert.Equal(0, Pixels(png, Orange));
    }

    [Fact]
    public void PlotHitlService_OnRabbitMq_SaysSoInTheTitle_AndNowhereElse()
    {
        // The same loop on two buses gives charts a reader must tell apart without the docs.
        using var memory = new TempFolder();
        using var rabbit = new TempFolder();
        WriteService(memory.Path);
        WriteService(rabbit.Path);
        foreach (var (dir, bus) in new[] { (memory.Path, "memory"), (rabbit.Path, "rabbitmq://***@127.0.0.1:5672/") })
        {
            string json = Path.Combine(dir, "service-hitl.json");
            File.WriteAllText(json, File.ReadAllText(json).Replace("{ \"start_model\"", $"{{ \"bus\": \"{bus}\", \"start_model\""));
            Assert.Equal(0, CliRun.Of("plot", "hitl-service", dir).ExitCode);
        }
        var a = ChartImage.Load(Path.Combine(memory.Path, "service-hitl.png"));
        var b = ChartImage.Load(Path.Combine(rabbit.Path, "service-hitl.png"));
        var changed = a.Differences(b);
        Assert.NotNull(changed);
        Assert.True(changed.Value.Y1 < a.Height / 10, $"only the title band changes, not {changed}");
    }

    [Fact]
    public void PlotHitlService_WithCompare_DrawsAcqsegHitlsCurveBeside()
    {
        using var tmp = new TempFolder();
        WriteService(tmp.Path, withSummary: false);
        File.WriteAllText(tmp.File("hitl.csv"), HitlCsv);
        var run = CliRun.Of("plot", "hitl-service", tmp.Path, "--compare", tmp.File("hitl.csv"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(Pixels(tmp.File("service-hitl.png"), Orange) > 100, "acqseg hitl's curve");
    }

    [Fact]
    public void PlotHitlService_MissingCsv_IsAUsageErrorNamingIt()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("plot", "hitl-service", tmp.Path);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains($"{tmp.File("service-hitl.csv")}: file not found", run.Error);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public void PlotHitlService_MissingCompareFile_IsAUsageErrorNamingIt()
    {
        using var tmp = new TempFolder();
        WriteService(tmp.Path);
        var run = CliRun.Of("plot", "hitl-service", tmp.Path, "--compare", tmp.File("nope.csv"));
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains($"--compare '{tmp.File("nope.csv")}': file not found", run.Error);
    }

    [Fact]
    public void PlotHitl_RedrawsThePng_WithTheOfflineBaselinesReferenceAndGoal()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("hitl.csv"), HitlCsv);
        File.WriteAllText(tmp.File("baselines.json"), """
            { "pretrained": "cyto", "pretrained_ap50": 0.1, "images": 2, "offline_from_pretrained_ap50": 0.72, "offline_from_scratch_ap50": 0.55,
              "baseline_epochs": 100, "reference": "phase", "reference_ap50": 0.8, "goal_ap50": 0.77, "goal_reached_at_rois": null }
            """);
        File.WriteAllText(tmp.File("hitl-run.json"), """{ "Pretrained": "/m/cyto/model.pth", "FirstImage": "/data/phase_images/a_img.tif" }""");
        var run = CliRun.Of("plot", "hitl", tmp.Path);
        Assert.True(run.ExitCode == 0, run.Error);
        string png = tmp.File("hitl.png");
        Assert.Contains($"wrote {png}", run.Out);
        foreach (var (colour, what) in new[] { (Blue, "the loop"), (Green, "offline from pretrained"), (Red, "offline from scratch"), (Grey, "reference"), (Purple, "goal") })
            Assert.True(Pixels(png, colour) > 100, what);
    }

    [Fact]
    public void PlotHitl_OfARunStillGoing_DrawsTheCurveAlone()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("hitl.csv"), HitlCsv);
        var run = CliRun.Of("plot", "hitl", tmp.Path);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(Pixels(tmp.File("hitl.png"), Blue) > 100);
        foreach (var colour in new[] { Green, Red, Grey, Purple }) Assert.Equal(0, Pixels(tmp.File("hitl.png"), colour));
    }

    [Fact]
    public void PlotHitl_MissingCsv_IsAUsageErrorNamingIt()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("plot", "hitl", tmp.Path);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains($"{tmp.File("hitl.csv")}: file not found", run.Error);
    }

    [Fact]
    public void PlotHitl_ACsvWithoutTheColumns_IsAUsageErrorNamingIt()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("hitl.csv"), "a,b\n1,2\n");
        var run = CliRun.Of("plot", "hitl", tmp.Path);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains($"{tmp.File("hitl.csv")}: no cumulative_manual_rois and test_ap50 columns", run.Error);
    }

    [Theory]
    [InlineData("cyto", "cyto")]
    [InlineData("nuclei@5", "nuclei@5")]
    [InlineData("/work/shared/reference/cpnet_synth_e40.pth", "cpnet_synth_e40")]
    [InlineData("models/cyto/model.pth", "cyto")]
    [InlineData("/repo/models/nuclei/versions/5/model.pth", "nuclei@5")]
    public void ModelLabel_KeepsNames_AndShortensPaths(string model, string label) => Assert.Equal(label, HitlCharts.ModelLabel(model));

    private const string LossCsv = """
        epoch,train_loss,test_loss,test_ap50,learning_rate,seconds,images_per_second
        0,1.2,1.1,0.1,0,10,4
        1,0.6,,,0.1,10,4
        2,0.4,0.5,0.4,0.2,10,4
        3,0.3,,,0.2,10,4
        """;

    [Theory]
    [InlineData("training")]
    [InlineData("")]
    public void PlotLoss_FindsLossCsv_InAModelOrTrainingFolder_AndWritesLossPngBesideIt(string sub)
    {
        using var tmp = new TempFolder();
        string folder = sub.Length == 0 ? tmp.Path : tmp.Sub(sub);
        File.WriteAllText(Path.Combine(folder, "loss.csv"), LossCsv);
        File.WriteAllText(Path.Combine(folder, "run.json"), """{ "name": "nuclei" }""");
        var run = CliRun.Of("plot", "loss", tmp.Path);
        Assert.True(run.ExitCode == 0, run.Error);
        string png = Path.Combine(folder, "loss.png");
        Assert.Contains($"wrote {png}", run.Out);
        Assert.True(Pixels(png, Blue) > 100 && Pixels(png, Orange) > 100, "train and test loss");
    }

    [Fact]
    public void PlotLoss_MissingCsv_IsAUsageErrorNamingBothPlaces()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("plot", "loss", tmp.Path);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(Path.Combine(tmp.Path, "training", "loss.csv"), run.Error);
        Assert.Contains(tmp.File("loss.csv"), run.Error);
    }

    [Fact]
    public void PlotLoss_NotALossRecord_IsAUsageErrorNamingIt()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("loss.csv"), HitlCsv);
        var run = CliRun.Of("plot", "loss", tmp.Path);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains($"{tmp.File("loss.csv")}: not a loss record", run.Error);
    }
}
