using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

/// <summary>`acqseg bench --batch`: frames/s of the segment worker's batch sizes, and the network's work per tile and frame.</summary>
public class BenchBatchTests
{
    [Theory]
    [InlineData(new[] { "--batch", "1,3", "--batch-frames", "8" }, "--batch-frames 8 must be a positive multiple of every batch size (1, 3)")]
    [InlineData(new[] { "--batch", "0,4" }, "--batch: '0' is not a number of frames a batch between 1 and 64")]
    [InlineData(new[] { "--batch", "1,x" }, "--batch: 'x' is not a number")]
    [InlineData(new[] { "--batch-frames", "4" }, "--batch-frames is for --batch: give --batch 1,4 too")]
    public void BadBatchOptions_AreRefusedNamingTheOptionAndTheFix(string[] options, string message)
    {
        var run = CliRun.Of(["bench", .. options, "--model", "/nonexistent/w.pth"]);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [SkippableFact]
    public void Batch_PrintsFramesPerSecondForEachBatchSize_TheGain_AndTheWorkPerTileAndFrame()
    {
        string weights = SharedData.Reference("cpnet_synth_e40.pth");

        var run = CliRun.Of("bench", "--batch", "1,2", "--sizes", "96", "--batch-frames", "2", "--model", weights, "--device", "cpu");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("per 224x224 tile: 31.0 GFLOP; its kernels move 424 MB in bfloat16 (73 FLOP/byte)", run.Out);
        Assert.Contains("a 1-megapixel frame (1024x1024", run.Out);
        Assert.Contains("1116 GFLOP in Cellpose's 36 tiles of 224", run.Out);
        var rows = run.Out.Split('\n').Where(l => l.StartsWith("| 96x96 | fast |", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.StartsWith("| 96x96 | fast | 1 |", rows[0]);
        Assert.Contains("| 1.00x |", rows[0]);
        Assert.StartsWith("| 96x96 | fast | 2 |", rows[1]);
        Assert.Contains("load average", run.Out);
    }
}
