using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

public class FlowsRemaskTests
{
    [Fact]
    public void FlowsThenRemask_RebuildsTheLabelImage()
    {
        using var tmp = new TempFolder();
        var frame = SyntheticFrames.Generate(new SynthSettings { Height = 160, Width = 192, Diameter = 24, Seed = 3 });
        TiffWriter.WriteLabels(tmp.File("cells_masks.tif"), frame.Masks);
        string outDir = tmp.Sub("out");

        var flows = CliRun.Of("flows", tmp.Path, "--out", outDir);
        Assert.Equal(0, flows.ExitCode);
        int objects = frame.Masks.CountObjects();
        Assert.Matches($@"^acqseg flows: .*cells_masks\.tif: {objects} objects -> cells_flows\.tif, \d+\.\d\d s\nacqseg flows: 1 of 1 files, {objects} objects, 0 failed, \d+\.\d s\n$",
            flows.Error.ReplaceLineEndings("\n"));
        var page = TiffReader.Read(Path.Combine(outDir, "cells_flows.tif"));
        Assert.Equal(3, page.Channels);

        var remask = CliRun.Of("remask", Path.Combine(outDir, "cells_flows.tif"), "--out", outDir);
        Assert.Equal(0, remask.ExitCode);
        Assert.Contains("cells_flows.tif: ", remask.Error);
        Assert.Contains("-> cells_cp_masks.tif", remask.Error);
        Assert.Contains("acqseg remask: 1 of 1 files, ", remask.Error);
        var rebuilt = TiffReader.ReadLabels(Path.Combine(outDir, "cells_cp_masks.tif"));
        var scores = SegmentationMetrics.Evaluate(frame.Masks, rebuilt);
        Assert.True(scores.At(0.5).AveragePrecision >= 0.98, $"AP@0.5 {scores.At(0.5).AveragePrecision}");
    }

    [Fact]
    public void Remask_HigherCellprobThresholdThanTheLogit_FindsNothing()
    {
        using var tmp = new TempFolder();
        var frame = SyntheticFrames.Generate(new SynthSettings { Height = 96, Width = 96, Diameter = 20, Seed = 1 });
        TiffWriter.WriteLabels(tmp.File("m_masks.tif"), frame.Masks);
        Assert.Equal(0, CliRun.Of("flows", tmp.File("m_masks.tif")).ExitCode);
        Assert.Equal(0, CliRun.Of("remask", tmp.File("m_flows.tif"), "--cellprob-threshold", "11").ExitCode);
        Assert.Equal(0, TiffReader.ReadLabels(tmp.File("m_cp_masks.tif")).MaxLabel);
    }

    [Fact]
    public void Remask_FileWithoutThreePages_IsRefusedOthersProcessed_Exit1()
    {
        using var tmp = new TempFolder();
        var frame = SyntheticFrames.Generate(new SynthSettings { Height = 64, Width = 64, Diameter = 16, Seed = 2 });
        TiffWriter.WriteLabels(tmp.File("good_masks.tif"), frame.Masks);
        Assert.Equal(0, CliRun.Of("flows", tmp.File("good_masks.tif")).ExitCode);
        TiffWriter.WriteFloatPages(tmp.File("bad_flows.tif"), [new float[64 * 64]], 64, 64);
        var run = CliRun.Of("remask", tmp.Path);
        Assert.Equal(CliApp.InputFailed, run.ExitCode);
        Assert.Contains("bad_flows.tif", run.Error);
        Assert.Contains("3", run.Error);
        Assert.True(File.Exists(tmp.File("good_cp_masks.tif")));
    }
}
