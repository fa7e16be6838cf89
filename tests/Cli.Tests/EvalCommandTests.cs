using System.Text.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

public class EvalCommandTests
{
    private static LabelImage Squares(params (int Label, int Top, int Left, int Size)[] squares) => TestLabels.Squares(20, 20, squares);

    [Fact]
    public void Eval_SharedDataLayout_PairsNamesAndPrintsExactJson()
    {
        using var tmp = new TempFolder();
        string gt = tmp.Sub("gt"), pred = tmp.Sub("pred");
        // Truth: two 4x4 squares. Prediction: one exact, one missing, one extra -> TP 1, FP 1, FN 1 at every threshold.
        TiffWriter.WriteLabels(Path.Combine(gt, "frameA_masks.tif"), Squares((1, 0, 0, 4), (2, 10, 10, 4)));
        TiffWriter.WriteLabels(Path.Combine(pred, "frameA_img_cp_masks.tif"), Squares((5, 0, 0, 4), (9, 0, 10, 4)));
        // Cellpose layout for the second image: perfect.
        TiffWriter.WriteLabels(Path.Combine(gt, "frameB_masks.tif"), Squares((1, 2, 2, 5)));
        TiffWriter.WriteLabels(Path.Combine(pred, "frameB_cp_masks.tif"), Squares((3, 2, 2, 5)));

        var run = CliRun.Of("eval", "--pred", pred, "--gt", gt, "--json");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var images = doc.RootElement.GetProperty("images");
        Assert.Equal(2, images.GetArrayLength());
        var a = images[0];
        Assert.Equal("frameA", a.GetProperty("name").GetString());
        Assert.Equal(1.0 / 3, a.GetProperty("ap50").GetDouble(), 9);
        Assert.Equal(1.0 / 3, a.GetProperty("ap90").GetDouble(), 9);
        Assert.Equal(1, a.GetProperty("fp50").GetInt32());
        // The unmatched truth has no prediction on it; the extra square lies on background.
        Assert.Equal(1, a.GetProperty("missed50").GetInt32());
        Assert.Equal(0, a.GetProperty("merged50").GetInt32());
        Assert.Equal(1, a.GetProperty("spurious50").GetInt32());
        Assert.Equal(1.0, images[1].GetProperty("ap75").GetDouble());
        var mean = doc.RootElement.GetProperty("mean");
        Assert.Equal((1.0 / 3 + 1) / 2, mean.GetProperty("ap50").GetDouble(), 9);
    }

    [Fact]
    public void Eval_MissingPrediction_IsReportedOthersScored_Exit1()
    {
        using var tmp = new TempFolder();
        string gt = tmp.Sub("gt"), pred = tmp.Sub("pred");
        TiffWriter.WriteLabels(Path.Combine(gt, "a_masks.tif"), Squares((1, 0, 0, 4)));
        TiffWriter.WriteLabels(Path.Combine(gt, "b_masks.tif"), Squares((1, 0, 0, 4)));
        TiffWriter.WriteLabels(Path.Combine(pred, "a_cp_masks.tif"), Squares((1, 0, 0, 4)));
        var run = CliRun.Of("eval", "--pred", pred, "--gt", gt);
        Assert.Equal(CliApp.InputFailed, run.ExitCode);
        Assert.Contains("b_masks.tif", run.Error);
        Assert.Contains("mean", run.Out);
        Assert.Contains("1.000", run.Out);
    }

    [Fact]
    public void Eval_Table_EndsWithWhyObjectsWentUnmatched()
    {
        using var tmp = new TempFolder();
        // Two touching 4x4 squares predicted as one 4x8 object: one matched, one merged.
        TiffWriter.WriteLabels(tmp.File("x_masks.tif"), Squares((1, 0, 0, 4), (2, 0, 4, 4)));
        var merged = new int[20 * 20];
        for (int y = 0; y < 4; y++) for (int x = 0; x < 8; x++) merged[y * 20 + x] = 7;
        TiffWriter.WriteLabels(tmp.File("x_cp_masks.tif"), new LabelImage(merged, 20, 20));
        var run = CliRun.Of("eval", "--pred", tmp.Path, "--gt", tmp.Path);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("errors at 0.5: 1 true objects unmatched (0 missed, 1 merged, 0 split, 0 misshapen); 0 spurious predictions", run.Out);
    }

    [Fact]
    public void Eval_CustomThresholds_NameTheJsonKeys()
    {
        using var tmp = new TempFolder();
        TiffWriter.WriteLabels(tmp.File("x_masks.tif"), Squares((1, 0, 0, 10)));
        TiffWriter.WriteLabels(tmp.File("x_cp_masks.tif"), Squares((1, 0, 0, 9))); // IoU 0.81
        var run = CliRun.Of("eval", "--pred", tmp.Path, "--gt", tmp.Path, "--json", "--thresholds", "0.8,0.85");
        using var doc = JsonDocument.Parse(run.Out);
        var img = doc.RootElement.GetProperty("images")[0];
        Assert.Equal(1.0, img.GetProperty("ap80").GetDouble());
        Assert.Equal(0.0, img.GetProperty("ap85").GetDouble());
        Assert.Equal(0.81, img.GetProperty("iou80").GetDouble(), 9);
    }
}
