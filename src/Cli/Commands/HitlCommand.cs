using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AcqSeg.Cli.Hitl;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Training;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg hitl --images DIR --test DIR --pretrained NAME [--steps N] --out DIR`: the Cellpose 2.0 human-in-the-loop
/// experiment with a curator simulated from ground truth, plus the offline baselines it is compared with.
/// </summary>
public static class HitlCommand
{
    /// <summary>How close to the reference model the loop must come (AP@0.5).</summary>

    public static Command Create(CliConsole console)
    {
        var images = new Option<string>("--images") { Description = "Folder of images with masks, corrected in name order", Required = true };
        var test = new Option<string>("--test") { Description = "Folder of images with masks scored after every step", Required = true };
        var pretrained = new Option<string>("--pretrained") { Description = "Zoo model or .pth to start from", Required = true };
        var steps = new Option<int>("--steps") { Description = "Images to correct (one per step)", DefaultValueFactory = _ => 10 };
        var outDir = new Option<string>("--out") { Description = "Output folder (hitl.csv, hitl.png, baselines.json, step models)", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs of each online retraining", DefaultValueFactory = _ => 100 };
        var baselineEpochs = new Option<int>("--baseline-epochs") { Description = "Epochs of the offline baselines (0 = skip them)", DefaultValueFactory = _ => 100 };
        var chan = new Option<int>("--chan") { Description = "Channel to segment: 0 gray, 1-3 R/G/B" };
        var chan2 = new Option<int>("--chan2") { Description = "Nuclear channel: 0 none, 1-3 R/G/B" };
        var maskSuffix = new Option<string>("--mask-suffix") { Description = "Suffix of mask files", DefaultValueFactory = _ => "_masks" };
        var seed = new Option<int>("--seed") { Description = "Random seed" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var reference = new Option<string?>("--reference")
        {
            Description = $"Zoo model or .pth trained on all available training images of this type: the goal is its test AP@0.5 minus {HitlGoal.Margin}",
        };
        var redrawBelow = new Option<double>("--redraw-below")
        {
            Description = "The curator also redraws matched ROIs whose IoU with the truth is below this (0 = keeps every match; e.g. 0.75); redrawn ROIs count as manual",
        };
        var cmd = new Command("hitl", "Simulated human-in-the-loop training: manual ROIs needed vs accuracy reached")
        {
            images, test, pretrained, steps, outDir, epochs, baselineEpochs, chan, chan2, maskSuffix, seed, device, reference, redrawBelow,
        };
        cmd.SetAction((r, cancel) =>
        {
            TrainingCpu.LimitOneDnn(console.Out);
            string imgDir = r.GetValue(images)!, testDir = r.GetValue(test)!;
            foreach (var (opt, dir) in new[] { ("--images", imgDir), ("--test", testDir) })
                if (!Directory.Exists(dir)) throw new UsageException($"{opt} '{dir}' is not a folder");
            int n = r.GetValue(steps), ep = r.GetValue(epochs), bep = r.GetValue(baselineEpochs);
            if (n < 1) throw new UsageException($"--steps {n} must be >= 1");
            if (ep < 1) throw new UsageException($"--epochs {ep} must be >= 1");
            if (bep < 0) throw new UsageException($"--baseline-epochs {bep} must be >= 0");
            double redraw = r.GetValue(redrawBelow);
            if (SimulatedCurator.CheckRedrawBelow(redraw, "--redraw-below") is { } badRedraw) throw new UsageException(badRedraw);
            string suffix = r.GetValue(maskSuffix)!;
            var pairs = TrainingData.FindPairs(imgDir, suffix);
            var testPairs = TrainingData.FindPairs(testDir, suffix);
            if (pairs.Count == 0) throw new UsageException($"--images '{imgDir}' has no image/mask pairs (*{suffix}.tif)");
            if (testPairs.Count == 0) throw new UsageException($"--test '{testDir}' has no image/mask pairs (*{suffix}.tif)");
            string model = ModelLocator.Resolve(r.GetValue(pretrained)!);
            string? refName = r.GetValue(reference);
            string? refModel = refName is null ? null : ModelLocator.Resolve(refName);
            DeviceChoice dev;
            try { dev = DeviceChoice.Parse(r.GetValue(device)!); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            return Task.FromResult(Run(console, pairs, testPairs, model, r.GetValue(pretrained)!, n, r.GetValue(outDir)!, ep, bep,
                r.GetValue(chan), r.GetValue(chan2), r.GetValue(seed), dev, refModel is null ? null : (refModel, refName!), redraw, cancel));
        });
        return cmd;
    }

    private static int Run(CliConsole console, IReadOnlyList<(string Image, string Masks)> pairs, IReadOnlyList<(string Image, string Masks)> test,
        string modelPath, string modelName, int steps, string outDir, int epochs, int baselineEpochs, int chan, int chan2, int seed,
        DeviceChoice device, (string Path, string Name)? reference, double redrawBelow, CancellationToken cancel)
    {
        Directory.CreateDirectory(outDir);
        var o = console.Out;
        var inv = CultureInfo.InvariantCulture;
        var online = TrainSchedule.Online with { Epochs = epochs };
        var loop = new HumanInTheLoop(modelPath, device, chan, chan2, online, seed, Path.Combine(outDir, "steps"), redrawBelow);
        string csv = Path.Combine(outDir, HitlCharts.HitlCsv);

        // An output folder that already holds this run (same settings) continues it: long runs span sessions.
        var settings = new HitlRunSettings(Path.GetFullPath(modelPath), ModelChecksum(modelPath), Path.GetFullPath(pairs[0].Image), test.Count, epochs, chan, chan2, seed, redrawBelow);
        string settingsFile = Path.Combine(outDir, HitlCharts.HitlSettingsFile);
        var (recordedStart, recorded) = ReadRecorded(csv);
        if (File.Exists(settingsFile) && recordedStart is not null)
        {
            var previous = JsonSerializer.Deserialize<HitlRunSettings>(File.ReadAllText(settingsFile));
            if (previous != settings)
                throw new UsageException($"--out '{outDir}' holds a run with other settings ({settingsFile}); choose another --out or delete it");
        }
        else
        {
            (recordedStart, recorded) = (null, []);
            File.Delete(Path.Combine(outDir, HitlCharts.BaselinesFile)); // a fresh run: nothing recorded before it may be kept
        }
        File.WriteAllText(settingsFile, JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }));

        double start = recordedStart ?? loop.Baseline(test);
        o.WriteLine(string.Create(inv, $"step 0: pretrained {modelName} AP@0.5 on the test folder {start:0.000}"));
        if (recorded.Count > 0) o.WriteLine($"continuing the run in {outDir}: {recorded.Count} step(s) recorded");

        var rows = new List<HitlStep>(recorded);
        void WriteCsv()
        {
            var lines = new List<string> { "step,image,manual_rois,cumulative_manual_rois,kept,removed,train_images,test_ap50,train_seconds,redrawn",
                string.Create(inv, $"0,,0,0,0,0,0,{start:0.0000},0,0") };
            lines.AddRange(rows.Select(s => string.Create(inv,
                $"{s.Step},{s.Image},{s.ManualRois},{s.CumulativeManualRois},{s.Kept},{s.Removed},{s.TrainImages},{s.TestAp50:0.0000},{s.TrainSeconds:0.0},{s.Redrawn}")));
            File.WriteAllLines(csv, lines);
        }
        WriteCsv();
        void Report(HitlStep s) => o.WriteLine(string.Create(inv,
            $"step {s.Step}: {s.Image}: {s.ManualRois} ROIs drawn{(s.Redrawn > 0 ? $" ({s.Redrawn} of them redrawn)" : "")} ({s.CumulativeManualRois} in all), {s.Kept} kept, {s.Removed} removed; retrained on {s.TrainImages} images in {s.TrainSeconds:0} s; test AP@0.5 {s.TestAp50:0.000}"));
        foreach (var s in recorded) Report(s);
        loop.Run(pairs, test, steps, cancel, s =>
        {
            rows.Add(s);
            WriteCsv();
            Report(s);
        }, recorded);

        // Baselines: offline training on the same images with all their ground truth, from pretrained and from scratch.
        var baselines = new Dictionary<string, object?> { ["pretrained"] = modelName, ["pretrained_ap50"] = start, ["images"] = rows.Count };
        if (baselineEpochs > 0)
        {
            var used = pairs.Take(rows.Count).ToList();
            var samples = TrainingData.Load(used, chan, chan2);
            var offline = TrainSchedule.Offline with { Epochs = baselineEpochs, MinTrainMasks = 1 };
            using var pretrainedNet = CellposeWeights.LoadNetwork(modelPath);
            string fromPre = Path.Combine(outDir, "offline_from_pretrained.pth"), fromScratch = Path.Combine(outDir, "offline_from_scratch.pth");
            if (RecordedBaselines(outDir, rows.Count, baselineEpochs) is { } kept && File.Exists(fromPre) && File.Exists(fromScratch))
            {
                o.WriteLine($"offline baselines for these {rows.Count} images and {baselineEpochs} epochs already recorded: kept");
                (baselines["offline_from_pretrained_ap50"], baselines["offline_from_scratch_ap50"]) = kept;
            }
            else
            {
                FineTuning.Train(modelPath, null, 0, samples, offline, seed, device, fromPre, cancel);
                FineTuning.Train(null, pretrainedNet.Widths, pretrainedNet.DiamMean, samples, offline, seed, device, fromScratch, cancel);
                baselines["offline_from_pretrained_ap50"] = FineTuning.MeanAp50(fromPre, test, chan, chan2, device);
                baselines["offline_from_scratch_ap50"] = FineTuning.MeanAp50(fromScratch, test, chan, chan2, device);
            }
            baselines["baseline_epochs"] = baselineEpochs;
            o.WriteLine(string.Create(inv,
                $"offline on the same {used.Count} images with all ground truth ({samples.Sum(s => s.Objects)} ROIs): from pretrained AP@0.5 {baselines["offline_from_pretrained_ap50"]:0.000}, from scratch {baselines["offline_from_scratch_ap50"]:0.000}"));
        }
        if (reference is { } rf)
        {
            var goal = new HitlGoal(rf.Name, FineTuning.MeanAp50(rf.Path, test, chan, chan2, device));
            int? reachedAt = goal.ReachedAt(start, rows.Select(s => (s.CumulativeManualRois, s.TestAp50)));
            goal.Record(baselines, reachedAt);
            o.WriteLine(goal.Verdict(reachedAt, rows.LastOrDefault()?.CumulativeManualRois ?? 0, rows.Select(s => s.TestAp50).DefaultIfEmpty(start).Max()));
        }
        File.WriteAllText(Path.Combine(outDir, HitlCharts.BaselinesFile), JsonSerializer.Serialize(baselines, new JsonSerializerOptions { WriteIndented = true }));

        string png = HitlCharts.DrawHitl(outDir);
        o.WriteLine($"wrote {csv}, {png} (redraw it with `acqseg plot hitl {outDir}`)");
        return CliApp.Ok;
    }

    /// <summary>What must match for a run to continue in the same output folder.</summary>
    private sealed record HitlRunSettings(string Pretrained, string PretrainedSha256, string FirstImage, int TestImages, int Epochs, int Chan, int Chan2, int Seed,
        double RedrawBelow = 0);

    private static string ModelChecksum(string path) => AcqSeg.Models.Zoo.ModelSuggester.Sha256(path);

    /// <summary>The offline baselines' AP (from pretrained, from scratch) a previous run of this folder recorded for the same images and epochs.</summary>
    private static (double FromPretrained, double FromScratch)? RecordedBaselines(string outDir, int images, int epochs)
    {
        string path = Path.Combine(outDir, HitlCharts.BaselinesFile);
        if (!File.Exists(path)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        bool Has(string key, out JsonElement e) => root.TryGetProperty(key, out e) && e.ValueKind == JsonValueKind.Number;
        if (Has("images", out var n) && n.GetInt32() == images && Has("baseline_epochs", out var ep) && ep.GetInt32() == epochs
            && Has("offline_from_pretrained_ap50", out var pre) && Has("offline_from_scratch_ap50", out var scratch))
            return (pre.GetDouble(), scratch.GetDouble());
        return null;
    }

    /// <summary>Step 0's AP and the steps of hitl.csv, when the folder holds one.</summary>
    private static (double? Start, List<HitlStep> Steps) ReadRecorded(string csv)
    {
        if (!File.Exists(csv)) return (null, []);
        var inv = CultureInfo.InvariantCulture;
        var lines = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).Where(f => f.Length is 9 or 10).ToList();
        if (lines.Count == 0 || lines[0][0] != "0") return (null, []);
        var steps = lines.Skip(1).Select(f => new HitlStep(int.Parse(f[0], inv), f[1], int.Parse(f[2], inv), int.Parse(f[3], inv), int.Parse(f[4], inv),
            int.Parse(f[5], inv), int.Parse(f[6], inv), double.Parse(f[7], inv), double.Parse(f[8], inv),
            f.Length == 10 ? int.Parse(f[9], inv) : 0)).ToList();
        return (double.Parse(lines[0][7], inv), steps);
    }
}
