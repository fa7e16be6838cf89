using System.CommandLine;
using System.Text;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Training;
using AcqSeg.Engine.Zoo;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Models.Sizing;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>
/// `acqseg zoo compare`: the paper's claim that a zoo chosen by style beats one generalist, measured. Per image the
/// reference model's style lets the k nearest stored training styles vote for a model (as `zoo suggest`), that model
/// segments the image, and so does the generalist; AP@0.5 of both against the ground truth, per folder.
/// </summary>
internal static class ZooCompareCommand
{
    public static Command Create(CliConsole console)
    {
        var dirs = new Option<string[]>("--dir") { Description = "Evaluation folder(s) of images with masks", Required = true, AllowMultipleArgumentsPerToken = true };
        var reference = ReferenceOption();
        var against = new Option<string>("--against") { Description = "The generalist the ensemble is compared with", DefaultValueFactory = _ => "general" };
        var k = new Option<int>("--k") { Description = "Neighbours that vote", DefaultValueFactory = _ => 5 };
        var styleDiameter = new Option<double>("--style-diameter") { Description = "Diameter the styles are computed at (as `zoo suggest --diameter`)", DefaultValueFactory = _ => 30.0 };
        var diameter = new Option<double>("--diameter") { Description = "Diameter both segment at (0 = each model's size model estimate)", DefaultValueFactory = _ => 0 };
        var maskSuffix = MaskSuffixOption();
        var chan = ChanOption();
        var chan2 = Chan2Option();
        var outFile = new Option<string?>("--out") { Description = "Also write the table to this Markdown file" };
        var device = DeviceOption();
        var zooDir = ZooOption();
        var cmd = new Command("compare", "Score the style-chosen ensemble against the generalist on evaluation folders (AP@0.5 per folder)")
        {
            dirs, reference, against, k, styleDiameter, diameter, maskSuffix, chan, chan2, outFile, device, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string refName = ReferenceName(zoo, r.GetValue(reference));
            string generalist = r.GetValue(against)!;
            if (!zoo.Contains(generalist)) throw new UsageException($"--against '{generalist}': no such zoo model (models: {string.Join(", ", zoo.Names())})");
            int kk = r.GetValue(k);
            if (kk < 1) throw new UsageException($"--k {kk} must be at least 1");
            double sd = r.GetValue(styleDiameter), d = r.GetValue(diameter);
            if (!(sd > 0)) throw new UsageException($"--style-diameter {sd} must be positive");
            if (d < 0 || double.IsNaN(d)) throw new UsageException($"--diameter {d} must be >= 0 (0 = estimate)");
            var folders = r.GetValue(dirs)!;
            foreach (string dir in folders) if (!Directory.Exists(dir)) throw new UsageException($"--dir '{dir}' is not a folder");

            ModelSuggester suggester;
            try { suggester = ModelSuggester.FromZoo(zoo, refName, kk, out var skipped); foreach (string s in skipped) console.Error.WriteLine($"acqseg zoo compare: left out {s}"); }
            catch (ZooException ex) { throw new UsageException(ex.Message); }

            string deviceSpec = r.GetValue(device)!;
            var loaded = new Dictionary<string, (CellposeModel Model, FrameSegmenter Segmenter, MaskThresholds? Thresholds)>(StringComparer.Ordinal);
            try
            {
                // Each model at the thresholds chosen for its weights, as it runs in the service.
                SegmentationResult Segment(string name, ImageData image, SegmentSettings s)
                {
                    var (_, segmenter, chosen) = Load(name);
                    return segmenter.Segment(image, AtChosenThresholds(s, chosen));
                }

                (CellposeModel Model, FrameSegmenter Segmenter, MaskThresholds? Thresholds) Load(string name)
                {
                    if (loaded.TryGetValue(name, out var entry)) return entry;
                    string weights = ZooCall(() => zoo.WeightsPath(name));
                    var model = LoadModel(weights, deviceSpec);
                    string? sizePath = zoo.SizeModelPath(name);
                    entry = (model, new FrameSegmenter(model, sizePath is null ? null : SizeModel.Load(sizePath)), MaskThresholdOptions.LoadChosen(weights));
                    loaded[name] = entry;
                    return entry;
                }

                CellposeModel referenceModel = Load(refName).Model;
                var settings = new SegmentSettings { Diameter = d, Chan = r.GetValue(chan), Chan2 = r.GetValue(chan2) };
                var table = new StringBuilder();
                table.AppendLine($"| folder | images | ensemble mean AP@0.5 | {generalist} mean AP@0.5 | models chosen |");
                table.AppendLine("|---|---|---|---|---|");
                var allEnsemble = new List<double>();
                var allGeneral = new List<double>();
                foreach (string dir in folders)
                {
                    var pairs = TrainingData.FindPairs(dir, r.GetValue(maskSuffix)!);
                    if (pairs.Count == 0) throw new UsageException($"--dir '{dir}' has no image/mask pairs");
                    var ensemble = new List<double>();
                    var general = new List<double>();
                    var chosen = new SortedDictionary<string, int>(StringComparer.Ordinal);
                    foreach (var (imagePath, masksPath) in pairs)
                    {
                        var image = TiffReader.Read(imagePath);
                        var truth = LabelFiles.Read(masksPath);
                        var style = ZooNetwork.StyleOf(referenceModel, image, settings.Chan, settings.Chan2, sd);
                        string pick = suggester.Suggest(style).Model;
                        chosen[pick] = chosen.GetValueOrDefault(pick) + 1;
                        double generalAp = SegmentationMetrics.AveragePrecision(truth, Segment(generalist, image, settings).Masks);
                        general.Add(generalAp);
                        // When the styles choose the generalist itself, its masks are already scored.
                        ensemble.Add(pick == generalist ? generalAp : SegmentationMetrics.AveragePrecision(truth, Segment(pick, image, settings).Masks));
                    }
                    allEnsemble.AddRange(ensemble);
                    allGeneral.AddRange(general);
                    string folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
                    table.AppendLine(string.Create(Inv, $"| {folder} | {pairs.Count} | {ensemble.Average():0.000} | {general.Average():0.000} | {string.Join(", ", chosen.Select(c => $"{c.Key} {c.Value}"))} |"));
                }
                table.AppendLine(string.Create(Inv, $"| all | {allEnsemble.Count} | {allEnsemble.Average():0.000} | {allGeneral.Average():0.000} | |"));
                console.Out.Write(table.ToString());
                if (r.GetValue(outFile) is { } path) File.WriteAllText(path, table.ToString());
                return CliApp.Ok;
            }
            finally
            {
                foreach (var entry in loaded.Values) entry.Model.Dispose();
            }
        });
        return cmd;
    }
}
