using System.CommandLine;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Models.Sizing;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`zoo eval NAME --dir DIR...`: AP@0.5 of the current version on each evaluation folder, recorded in
/// the manifest (and so in the card).</summary>
internal static class ZooEvalCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name (its current version is scored)" };
        var dirs = new Option<string[]>("--dir") { Description = "Evaluation folder(s) of images with masks", Required = true, AllowMultipleArgumentsPerToken = true };
        var maskSuffix = MaskSuffixOption();
        var diameter = new Option<double>("--diameter") { Description = "Object diameter (0 = the size model's estimate, as users run it)", DefaultValueFactory = _ => 0 };
        var trueDiameter = new Option<bool>("--true-diameter")
        {
            Description = "Run each image at its ground-truth masks' diameter instead (recorded apart: separates the network's accuracy from the size model's)",
        };
        var chan = ChanOption();
        var chan2 = Chan2Option();
        var device = DeviceOption();
        var fast = new Option<bool>("--fast") { Description = "Score the fast network path (segment's and the service's default) instead of Cellpose's exact one; recorded apart" };
        var zooDir = ZooOption();
        var cmd = new Command("eval", "Score a model on evaluation folders and record AP@0.5 per folder in its manifest and card")
        {
            name, dirs, maskSuffix, diameter, trueDiameter, chan, chan2, device, fast, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            string weights = ZooCall(() => zoo.WeightsPath(n));
            double d = r.GetValue(diameter);
            if (d < 0) throw new UsageException($"--diameter {d} must be >= 0 (0 = estimate)");
            bool atTruth = r.GetValue(trueDiameter);
            if (atTruth && r.GetResult(diameter) is { Implicit: false })
                throw new UsageException("--true-diameter and --diameter both set the diameter: give one of them");
            bool onFast = r.GetValue(fast);
            if (onFast && (atTruth || d != 0))
                throw new UsageException("--fast scores the path the service runs, at the size model's estimate: leave out --true-diameter and --diameter");
            foreach (string dir in r.GetValue(dirs)!) if (!Directory.Exists(dir)) throw new UsageException($"--dir '{dir}' is not a folder");
            string? sizePath = zoo.SizeModelPath(n);
            using var model = CellposeModel.Load(weights, DeviceChoice.Parse(r.GetValue(device)!));
            var segmenter = new FrameSegmenter(model, sizePath is null ? null : SizeModel.Load(sizePath));
            var chosen = MaskThresholdOptions.LoadChosen(weights);
            var settings = AtChosenThresholds(new SegmentSettings { Diameter = d, Chan = r.GetValue(chan), Chan2 = r.GetValue(chan2), Fast = onFast }, chosen);
            // Named when thresholds chosen for the weights apply (Cellpose's otherwise).
            string at = chosen is null ? "" : ", " + chosen;
            foreach (string dir in r.GetValue(dirs)!)
            {
                var pairs = TrainingData.FindPairs(dir, r.GetValue(maskSuffix)!);
                if (pairs.Count == 0) throw new UsageException($"--dir '{dir}' has no image/mask pairs");
                var aps = pairs.Select(p =>
                {
                    var truth = LabelFiles.Read(p.Masks);
                    var run = atTruth ? settings with { Diameter = TrainingData.Diameter(truth) } : settings;
                    return SegmentationMetrics.AveragePrecision(truth, segmenter.Segment(TiffReader.Read(p.Image), run).Masks);
                }).ToList();
                string folder = EvalFolderName(dir);
                ZooCall(() => zoo.RecordAp(n, folder, aps.Average(), atTrueDiameter: atTruth, fastPath: onFast));
                console.Out.WriteLine(string.Create(Inv,
                    $"{n} v{zoo.Manifest(n).Current} on {folder}{(atTruth ? " at the true diameter" : "")} ({(onFast ? "fast" : "exact")} path{at}): mean AP@0.5 {aps.Average():0.000} over {aps.Count} images"));
            }
            var scored = ZooCall(() => zoo.Manifest(n));
            foreach (var t in onFast ? [] : scored.Targets ?? [])
                console.Out.WriteLine($"target '{t.Label}' (>= {t.MinAp.ToString("0.000", Inv)}){(atTruth ? " at the true diameter" : "")}: {Standing(t, atTruth ? scored.CurrentVersion.ApTrueDiameter : scored.CurrentVersion.Ap)}");
            return CliApp.Ok;
        });
        return cmd;
    }
}
