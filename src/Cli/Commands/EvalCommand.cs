using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg eval --pred DIR --gt DIR [--json] [--thresholds 0.5,0.75,0.9]`.</summary>
public static class EvalCommand
{
    public static Command Create(CliConsole console)
    {
        var pred = new Option<DirectoryInfo>("--pred") { Description = "Folder of predicted label images (X_cp_masks.tif)", Required = true };
        var gt = new Option<DirectoryInfo>("--gt") { Description = "Folder of ground-truth label images (X_masks.tif)", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of the table" };
        var thresholds = new Option<string>("--thresholds")
        {
            Description = "Comma-separated IoU thresholds",
            DefaultValueFactory = _ => "0.5,0.75,0.9",
        };
        var cmd = new Command("eval", "Score predicted masks against ground truth (AP, precision, recall, F1, IoU, AJI, and why objects went unmatched)") { pred, gt, json, thresholds };
        cmd.SetAction(r => Run(console, r.GetValue(pred)!, r.GetValue(gt)!, r.GetValue(json), ParseThresholds(r.GetValue(thresholds)!)));
        return cmd;
    }

    public static IReadOnlyList<double> ParseThresholds(string text)
    {
        var list = new List<double>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double t) || t <= 0 || t > 1)
                throw new UsageException($"--thresholds '{text}': '{part}' is not an IoU threshold in (0, 1]");
            list.Add(t);
        }
        if (list.Count == 0) throw new UsageException("--thresholds is empty; give e.g. 0.5,0.75,0.9");
        return list;
    }

    /// <summary>The JSON key of a threshold: 0.5 -> ap50, 0.75 -> ap75, 0.9 -> ap90.</summary>
    public static string Key(string prefix, double threshold) =>
        prefix + Math.Round(threshold * 100).ToString(CultureInfo.InvariantCulture);

    /// <summary>Ground truth X_masks.tif pairs with X_cp_masks.tif (Cellpose) or, when X names an image NAME whose
    /// file is NAME_img.tif, with NAME_img_cp_masks.tif (the ../shared/data layout).</summary>
    public static IReadOnlyList<(string Name, string Truth, string? Prediction)> Pair(string predDir, string gtDir)
    {
        var pairs = new List<(string, string, string?)>();
        foreach (string truth in Directory.EnumerateFiles(gtDir, "*_masks.tif").Order(StringComparer.Ordinal))
        {
            string file = Path.GetFileName(truth);
            if (file.EndsWith("_cp_masks.tif", StringComparison.Ordinal)) continue;
            string name = file[..^"_masks.tif".Length];
            string[] candidates = [name + "_cp_masks.tif", name + "_img_cp_masks.tif"];
            string? found = candidates.Select(c => Path.Combine(predDir, c)).FirstOrDefault(File.Exists);
            pairs.Add((name, truth, found));
        }
        return pairs;
    }

    private static int Run(CliConsole console, DirectoryInfo pred, DirectoryInfo gt, bool json, IReadOnlyList<double> thresholds)
    {
        if (!pred.Exists) throw new UsageException($"--pred '{pred.FullName}' is not a folder");
        if (!gt.Exists) throw new UsageException($"--gt '{gt.FullName}' is not a folder");
        var pairs = Pair(pred.FullName, gt.FullName);
        if (pairs.Count == 0) throw new UsageException($"--gt '{gt.FullName}' has no *_masks.tif ground-truth files");

        var scored = new List<(string Name, ImageScores Scores)>();
        int failed = 0;
        foreach (var (name, truthPath, predPath) in pairs)
        {
            if (predPath is null)
            {
                console.Error.WriteLine($"acqseg eval: no prediction for {Path.GetFileName(truthPath)} in {pred.FullName} (expected {name}_cp_masks.tif or {name}_img_cp_masks.tif)");
                failed++;
                continue;
            }
            try
            {
                var truth = TiffReader.ReadLabels(truthPath);
                var p = TiffReader.ReadLabels(predPath);
                if (truth.Height != p.Height || truth.Width != p.Width)
                {
                    console.Error.WriteLine($"acqseg eval: {predPath} is {p.Width}x{p.Height}, its ground truth {truthPath} is {truth.Width}x{truth.Height}");
                    failed++;
                    continue;
                }
                scored.Add((name, SegmentationMetrics.Evaluate(truth, p, thresholds)));
            }
            catch (TiffReadException ex)
            {
                console.Error.WriteLine($"acqseg eval: {ex.Message}");
                failed++;
            }
        }
        if (scored.Count == 0)
        {
            console.Error.WriteLine("acqseg eval: no image could be scored");
            return CliApp.InputFailed;
        }
        var mean = SegmentationMetrics.Mean(scored.Select(s => s.Scores).ToList());
        if (json) WriteJson(console.Out, scored, mean);
        else WriteTable(console.Out, scored, mean);
        return failed > 0 ? CliApp.InputFailed : CliApp.Ok;
    }

    private static void WriteTable(TextWriter o, List<(string Name, ImageScores Scores)> scored, MeanScores mean)
    {
        var ths = mean.Thresholds.Select(t => t.Threshold).ToList();
        int nameWidth = Math.Max(8, scored.Max(s => s.Name.Length));
        string head = $"{"image".PadRight(nameWidth)}  {"true",5} {"pred",5} " + string.Join(" ", ths.Select(t => Key("AP", t).PadLeft(6)))
            + $" {"prec",6} {"recall",6} {"F1",6} {"IoU",6} {"AJI",6}";
        o.WriteLine(head);
        var inv = CultureInfo.InvariantCulture;
        foreach (var (name, s) in scored)
        {
            var first = s.Thresholds[0];
            o.WriteLine(string.Create(inv, $"{name.PadRight(nameWidth)}  {s.TrueObjects,5} {s.PredictedObjects,5} ")
                + string.Join(" ", s.Thresholds.Select(t => t.AveragePrecision.ToString("0.000", inv).PadLeft(6)))
                + string.Create(inv, $" {first.Precision,6:0.000} {first.Recall,6:0.000} {first.F1,6:0.000} {first.MeanMatchedIou,6:0.000} {s.AggregatedJaccard,6:0.000}"));
        }
        var m0 = mean.Thresholds[0];
        o.WriteLine(string.Create(inv, $"{"mean".PadRight(nameWidth)}  {"",5} {"",5} ")
            + string.Join(" ", mean.Thresholds.Select(t => t.AveragePrecision.ToString("0.000", inv).PadLeft(6)))
            + string.Create(inv, $" {m0.Precision,6:0.000} {m0.Recall,6:0.000} {m0.F1,6:0.000} {m0.MeanMatchedIou,6:0.000} {mean.AggregatedJaccard,6:0.000}"));
        o.WriteLine(string.Create(inv, $"({scored.Count} images; precision, recall, F1 and IoU at threshold {m0.Threshold})"));
        var e = ErrorBreakdown.Sum(scored.Select(x => x.Scores.Thresholds[0].Errors!).ToList());
        o.WriteLine(string.Create(inv,
            $"errors at {e.Threshold}: {e.FalseNegatives} true objects unmatched ({e.Missed} missed, {e.Merged} merged, {e.Split} split, {e.Misshapen} misshapen); {e.Spurious} spurious predictions"));
    }

    private static void WriteJson(TextWriter o, List<(string Name, ImageScores Scores)> scored, MeanScores mean)
    {
        var images = scored.Select(s =>
        {
            var d = new Dictionary<string, object> { ["name"] = s.Name, ["true_objects"] = s.Scores.TrueObjects, ["pred_objects"] = s.Scores.PredictedObjects };
            foreach (var t in s.Scores.Thresholds)
            {
                d[Key("ap", t.Threshold)] = t.AveragePrecision;
                d[Key("precision", t.Threshold)] = t.Precision;
                d[Key("recall", t.Threshold)] = t.Recall;
                d[Key("f1", t.Threshold)] = t.F1;
                d[Key("iou", t.Threshold)] = t.MeanMatchedIou;
                d[Key("tp", t.Threshold)] = t.TruePositives;
                d[Key("fp", t.Threshold)] = t.FalsePositives;
                d[Key("fn", t.Threshold)] = t.FalseNegatives;
                if (t.Errors is { } e)
                {
                    d[Key("missed", t.Threshold)] = e.Missed;
                    d[Key("merged", t.Threshold)] = e.Merged;
                    d[Key("split", t.Threshold)] = e.Split;
                    d[Key("misshapen", t.Threshold)] = e.Misshapen;
                    d[Key("spurious", t.Threshold)] = e.Spurious;
                }
            }
            d["aji"] = s.Scores.AggregatedJaccard;
            return d;
        }).ToList();
        var m = new Dictionary<string, object> { ["images"] = mean.Images };
        foreach (var t in mean.Thresholds)
        {
            m[Key("ap", t.Threshold)] = t.AveragePrecision;
            m[Key("precision", t.Threshold)] = t.Precision;
            m[Key("recall", t.Threshold)] = t.Recall;
            m[Key("f1", t.Threshold)] = t.F1;
            m[Key("iou", t.Threshold)] = t.MeanMatchedIou;
        }
        m["aji"] = mean.AggregatedJaccard;
        o.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["images"] = images, ["mean"] = m }));
    }
}
