using System.Text.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Imaging.Outputs;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

public class SegmentCommandTests
{
    private static string Model => SharedData.Reference("cpnet_synth_e40.pth");

    [SkippableFact]
    public void Segment_ReferenceFrame_MatchesCellposeMasks_AndWritesEveryOutput()
    {
        using var tmp = new TempFolder();
        string input = tmp.File("synth_256.tif");
        File.Copy(SharedData.Reference("synth_256.tif"), input);
        var run = CliRun.Of("segment", input, "--model", Model, "--diameter", "30", "--save-flows", "--save-outlines", "--save-csv", "--timings", "--device", "cpu", "--exact");
        Assert.True(run.ExitCode == 0, run.Error);

        var masks = TiffReader.ReadLabels(tmp.File("synth_256_cp_masks.tif"));
        var cellpose = TiffReader.ReadLabels(SharedData.Reference("synth_256_cp_masks.tif"));
        Assert.Equal(1.0, SegmentationMetrics.Evaluate(cellpose, masks).At(0.5).AveragePrecision);

        var flows = TiffReader.Read(tmp.File("synth_256_flows.tif"));
        Assert.Equal((3, 256, 256), (flows.Channels, flows.Height, flows.Width));
        Assert.True(new FileInfo(tmp.File("synth_256_cp_outlines.png")).Length > 1000);
        var csv = File.ReadAllLines(tmp.File("synth_256_cp_objects.csv"));
        Assert.Equal(masks.CountObjects() + 1, csv.Length);

        using var timing = JsonDocument.Parse(run.Out.Trim());
        foreach (string stage in new[] { "read", "normalize", "network", "dynamics", "flow_qc", "write", "total" })
            Assert.True(timing.RootElement.GetProperty(stage).GetDouble() >= 0, stage);
        Assert.Equal(masks.CountObjects(), timing.RootElement.GetProperty("objects").GetInt32());
    }

    [SkippableFact]
    public void Segment_WeightsWithChosenThresholds_RunAtThem_AndAGivenThresholdWins()
    {
        using var tmp = new TempFolder();
        string input = tmp.File("synth_256.tif");
        File.Copy(SharedData.Reference("synth_256.tif"), input);
        string weights = tmp.File("chosen.pth");
        File.Copy(Model, weights);
        CliRun Segment(string outName, params string[] extra) =>
            CliRun.Of(["segment", input, "--model", weights, "--diameter", "30", "--device", "cpu", "--out", tmp.Sub(outName), .. extra]);
        LabelImage Masks(string outName) => TiffReader.ReadLabels(Path.Combine(tmp.File(outName), "synth_256_cp_masks.tif"));
        var plain = Segment("plain");
        var strict = Segment("strict", "--cellprob-threshold", "2");
        Assert.True(plain.ExitCode == 0 && strict.ExitCode == 0, plain.Error + strict.Error);
        Assert.NotEqual(Masks("plain").Labels, Masks("strict").Labels);

        File.WriteAllText(tmp.File("chosen_thresholds.json"), """{"flow_threshold": 0.4, "cellprob_threshold": 2, "chosen_by": "this test"}""");
        var chosen = Segment("chosen");
        var overridden = Segment("overridden", "--cellprob-threshold", "0");

        Assert.True(chosen.ExitCode == 0, chosen.Error);
        Assert.Equal(Masks("strict").Labels, Masks("chosen").Labels);
        Assert.Contains("0.4 flow threshold, 2 cell-probability threshold (" + tmp.File("chosen_thresholds.json"), chosen.Error);
        Assert.True(overridden.ExitCode == 0, overridden.Error);
        Assert.Equal(Masks("plain").Labels, Masks("overridden").Labels);

        File.WriteAllText(tmp.File("chosen_thresholds.json"), "{ broken");
        var broken = Segment("broken");
        Assert.Equal(CliApp.UsageError, broken.ExitCode);
        Assert.Contains("chosen_thresholds.json: not valid JSON", broken.Error);
    }

    [SkippableFact]
    public void Segment_CellposeFlagNames_WriteSegNpyOutlinesTextRoisAndPng_MatchingTheMasks()
    {
        using var tmp = new TempFolder();
        string input = tmp.File("synth_256.tif");
        File.Copy(SharedData.Reference("synth_256.tif"), input);
        string outDir = tmp.Sub("out");
        // A Cellpose v2.3.2 command line, plus --save-npy (Cellpose writes _seg.npy unless --no_npy; here it is asked for).
        var run = CliRun.Of("segment", "--image_path", input, "--pretrained_model", Model, "--diameter", "30", "--chan", "0", "--chan2", "0",
            "--flow_threshold", "0.4", "--cellprob_threshold", "0", "--min_size", "15", "--save_rois", "--save_txt", "--save_png",
            "--savedir", outDir, "--save-npy", "--device", "cpu", "--exact");
        Assert.True(run.ExitCode == 0, run.Error);

        var masks = TiffReader.ReadLabels(Path.Combine(outDir, "synth_256_cp_masks.tif"));
        var seg = CellposeSegFile.Read(Path.Combine(outDir, "synth_256_seg.npy"));
        Assert.Equal(masks.Labels, seg.Masks.Labels);
        Assert.Equal(Path.GetFullPath(input), seg.Filename);
        Assert.Equal((30.0, Model), (seg.EstDiam, seg.ModelPath));
        Assert.Equal(5, seg.Flows.Count);

        var outlines = MaskContours.Outlines(masks);
        Assert.Equal(CellposeOutlineText.Format(outlines), File.ReadAllText(Path.Combine(outDir, "synth_256_cp_outlines.txt")));
        using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(outDir, "synth_256_rois.zip")))
            Assert.Equal(outlines.Count(o => o.Count > 0), zip.Entries.Count);
        Assert.True(masks.MaxLabel is > 5 and < 256, $"{masks.MaxLabel} masks");
        Assert.True(File.Exists(Path.Combine(outDir, "synth_256_cp_masks.png")));
    }

    [SkippableFact]
    public void Segment_FolderWithACorruptTiff_SegmentsTheOthers_NamesTheBadOne_Exit1()
    {
        using var tmp = new TempFolder();
        File.Copy(SharedData.Reference("synth_256.tif"), tmp.File("good.tif"));
        File.WriteAllBytes(tmp.File("broken.tif"), [0x49, 0x49, 42, 0, 0xff, 0xff, 0, 0, 1, 2, 3]);
        string outDir = tmp.Sub("out");
        var run = CliRun.Of("segment", tmp.Path, "--model", Model, "--out", outDir, "--device", "cpu", "--diameter", "30");
        Assert.Equal(CliApp.InputFailed, run.ExitCode);
        // Not a terminal (as `> log 2>&1`): the bad file's reason, a line for the good one, and the summary.
        var lines = run.Error.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Single(lines, l => l.Contains("broken.tif") && !l.Contains(" objects"));
        int objects = TiffReader.ReadLabels(Path.Combine(outDir, "good_cp_masks.tif")).CountObjects();
        Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l,
            $@"^acqseg segment: .*good\.tif: {objects} objects, diameter 30\.0 px, \d+\.\d\d s$"));
        Assert.Matches($@"^acqseg segment: 2 of 2 files, {objects} objects, 1 failed, \d+\.\d s$", lines[^1]);
        Assert.True(File.Exists(Path.Combine(outDir, "good_cp_masks.tif")));
        Assert.False(File.Exists(Path.Combine(outDir, "broken_cp_masks.tif")));
    }

    [SkippableFact]
    public void Segment_ChannelTheImageDoesNotHave_IsAClearPerInputError()
    {
        using var tmp = new TempFolder();
        File.Copy(SharedData.Reference("synth_256.tif"), tmp.File("gray.tif"));
        var run = CliRun.Of("segment", tmp.File("gray.tif"), "--model", Model, "--chan", "2", "--device", "cpu");
        Assert.Equal(CliApp.InputFailed, run.ExitCode);
        Assert.Contains("gray.tif", run.Error);
        Assert.Contains("chan", run.Error);
    }

    [SkippableFact]
    public void Segment_NoTile_RunsTheWholeFrameAndFindsTheSameObjects()
    {
        using var tmp = new TempFolder();
        File.Copy(SharedData.Reference("synth_512.tif"), tmp.File("f.tif"));
        var run = CliRun.Of("segment", tmp.File("f.tif"), "--model", Model, "--no-tile", "--device", "cpu");
        Assert.True(run.ExitCode == 0, run.Error);
        var masks = TiffReader.ReadLabels(tmp.File("f_cp_masks.tif"));
        var cellpose = TiffReader.ReadLabels(SharedData.Reference("synth_512_cp_masks.tif"));
        Assert.True(SegmentationMetrics.Evaluate(cellpose, masks).At(0.5).AveragePrecision >= 0.95);
    }

    [SkippableFact]
    public void Bench_SmallFrame_PrintsExactAndFastRowsWithGflopsMemoryAndAp()
    {
        var run = CliRun.Of("bench", "--model", Model, "--sizes", "256", "--device", "cpu");
        Assert.True(run.ExitCode == 0, run.Error);
        string[] Row(string path) =>
            // The frame is the reference synth_256.tif when the repository's ../shared is found from the working
            // folder, a synthetic one otherwise (e.g. a build under --artifacts-path elsewhere).
            (run.Out.Split('\n').SingleOrDefault(l => l.StartsWith('|') && l.Split('|') is { Length: > 3 } c && c[2].Trim() == path && c[1].Contains("256"))
             ?? throw new Xunit.Sdk.XunitException($"no {path} row in:\n{run.Out}\n{run.Error}")).Split('|');
        var exact = Row("exact");
        var fast = Row("fast");
        Assert.Contains("GFLOP/s effective", run.Out);
        Assert.Contains("machine:", run.Out);
        // Columns: frame, path, objects, read .. total (7), GFLOP run, GFLOP/s actual, effective, peak GiB, AP@0.5 vs exact.
        double Cell(string[] row, int i) => double.Parse(row[i], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Cell(exact, 3) > 5, "the reference frame gives objects");
        Assert.True(Cell(exact, 12) > 0 && Cell(fast, 12) > 0, "GFLOP/s are reported");
        Assert.True(Cell(fast, 14) > 0.1, "peak memory is reported");
        Assert.True(Cell(fast, 15) >= 0.99, $"fast vs exact AP@0.5 {fast[15]}");
        Assert.Equal("-", exact[15].Trim());
    }

    [SkippableFact]
    public void Segment_ExactAndFastPaths_GiveMatchingMasks()
    {
        using var tmp = new TempFolder();
        string input = tmp.File("f.tif");
        File.Copy(SharedData.Reference("synth_512.tif"), input);
        var exact = CliRun.Of("segment", input, "--model", Model, "--exact", "--out", tmp.File("exact"), "--device", "cpu");
        var fast = CliRun.Of("segment", input, "--model", Model, "--precision", "bf16", "--out", tmp.File("fast"), "--device", "cpu");
        Assert.True(exact.ExitCode == 0, exact.Error);
        Assert.True(fast.ExitCode == 0, fast.Error);
        var a = TiffReader.ReadLabels(Path.Combine(tmp.File("exact"), "f_cp_masks.tif"));
        var b = TiffReader.ReadLabels(Path.Combine(tmp.File("fast"), "f_cp_masks.tif"));
        Assert.True(SegmentationMetrics.Evaluate(a, b).At(0.5).AveragePrecision >= 0.99);
    }
}
