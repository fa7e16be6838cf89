using AcqSeg.Engine.Zoo;
using AcqSeg.Models.Sizing;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AcqSeg.Engine.Inference;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Engine.Training;
using AcqSeg.Models.Zoo;
using TorchSharp;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg zoo list | show NAME | import PATH.pth --name NAME [--size-model F] | export NAME PATH | train-size NAME --dir DIR | compare --dir DIR
/// | add-styles NAME --dir DIR | suggest IMAGE... | size-check NAME --dir DIR | size-passes NAME N | average A B | target NAME LABEL | licence NAME[@V] [ID --data D]`: the model registry (models/NAME/manifest.json, card.md, versions/).
/// </summary>
public static partial class ZooCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(CliConsole console)
    {
        var zoo = new Command("zoo", "The model zoo: versions with lineage, model cards, size models and style-based model suggestion")
        {
            List(console), Show(console), Import(console), Export(console), TrainSize(console), AddStyles(console), Suggest(console), Eval(console), Compare(console),
            SizeCheck(console), SizePasses(console), Average(console), Target(console), Licence(console),
        };
        return zoo;
    }

    private static Option<string?> ZooOption() => new("--zoo") { Description = "Zoo folder (default: $ACQSEG_ZOO, else the repository's models/)" };

    private static ModelZoo Open(string? folder, bool mustExist = true)
    {
        string root = folder ?? ModelLocator.ZooRoot() ?? ModelLocator.DefaultZooRoot();
        if (mustExist && !Directory.Exists(root)) throw new UsageException($"zoo folder '{root}' does not exist; pass --zoo DIR or import a model first");
        return ZooNetwork.Open(root);
    }

    private static T Zoo<T>(Func<T> action)
    {
        try { return action(); }
        catch (ZooException ex) { throw new UsageException(ex.Message); }
    }

    private static Command List(CliConsole console)
    {
        var zooDir = ZooOption();
        var cmd = new Command("list", "One line per model: current version, widths, diam_mean, training data, AP") { zooDir };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            var o = console.Out;
            var names = zoo.Names();
            if (names.Count == 0)
            {
                o.WriteLine($"no models in {zoo.Root}");
                return CliApp.Ok;
            }
            o.WriteLine($"{"name",-14} {"version",-8} {"widths",-18} {"diam_mean",9} {"images",7} {"ROIs",8} {"size",5} {"styles",7}  {"AP@0.5",-28} licences");
            foreach (string name in names)
            {
                var m = Zoo(() => zoo.Manifest(name));
                var v = m.CurrentVersion;
                string ap = v.Ap.Count == 0 ? "-" : string.Create(Inv, $"mean {v.Ap.Values.Average():0.000} over {v.Ap.Count} folder(s)");
                int styles = zoo.LoadStyles(name)?.Examples.Count ?? 0;
                o.WriteLine(string.Create(Inv,
                    $"{name,-14} {$"{v.Version}/{m.Versions.Count}",-8} {string.Join(",", v.Widths),-18} {v.DiamMean,9:0.##} {Opt(v.TrainImages),7} {Opt(v.TrainRois),8} {(zoo.SizeModelPath(name) is null ? "no" : "yes"),5} {styles,7}  {ap,-28} {LicenceSummary(Zoo(() => zoo.CarriedLicences(name)))}"));
            }
            return CliApp.Ok;
        });
        return cmd;
    }

    private static string Opt(int? n) => n?.ToString(Inv) ?? "?";

    private static Command Show(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name" };
        var zooDir = ZooOption();
        var cmd = new Command("show", "Print a model's manifest and its card") { name, zooDir };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            var m = Zoo(() => zoo.Manifest(n));
            console.Out.WriteLine(JsonSerializer.Serialize(m, ModelManifest.Json));
            console.Out.WriteLine();
            string card = Path.Combine(zoo.Folder(n), ModelZoo.CardFile);
            if (!File.Exists(card)) Zoo(() => { zoo.WriteCard(n); return 0; });
            console.Out.Write(File.ReadAllText(card));
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command Import(CliConsole console)
    {
        var path = new Argument<string>("weights") { Description = "A Cellpose (or AcqSeg) .pth file" };
        var name = new Option<string>("--name") { Description = "Zoo model name (a new model, or the next version of an existing one)", Required = true };
        var size = new Option<string?>("--size-model") { Description = "Size model: Cellpose *_size.npy or AcqSeg size JSON" };
        var notes = new Option<string?>("--notes") { Description = "Free text recorded with the version" };
        var run = new Option<string?>("--run") { Description = "The `acqseg train` output folder the weights came from: its schedule, data, wall time and lineage are recorded (a parent file that is a zoo version's weights becomes that version)" };
        var zooDir = ZooOption();
        var cmd = new Command("import", "Import a Cellpose .pth as a new model or the next version of one") { path, name, size, notes, run, zooDir };
        cmd.SetAction(r =>
        {
            string file = r.GetValue(path)!;
            if (!File.Exists(file)) throw new UsageException($"'{file}': file not found; give a Cellpose .pth");
            string? sizeFile = r.GetValue(size);
            if (sizeFile is not null && !File.Exists(sizeFile)) throw new UsageException($"--size-model '{sizeFile}': file not found");
            ModelVersion? trained = null;
            if (r.GetValue(run) is { } runDir)
            {
                if (!File.Exists(Path.Combine(runDir, "training", "run.json")))
                    throw new UsageException($"--run '{runDir}': no training/run.json there; give the --out folder of an `acqseg train` run");
                try { trained = TrainRegistration.DescribeRun(runDir); }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or InvalidOperationException)
                {
                    throw new UsageException($"--run '{runDir}': training/run.json cannot be read ({ex.Message})");
                }
            }
            var zoo = Open(r.GetValue(zooDir), mustExist: false);
            string n = r.GetValue(name)!;
            var v = Zoo(() => zoo.Import(file, n, sizeFile, r.GetValue(notes), trained));
            console.Out.WriteLine(string.Create(Inv,
                $"imported {file} as {n} version {v.Version} (widths {string.Join(",", v.Widths)}, diam_mean {v.DiamMean:0.##}, diam_labels {v.DiamLabels:0.##}{(sizeFile is null ? "" : ", with size model")})"));
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command Export(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name" };
        var path = new Argument<string>("path") { Description = "Target .pth (the size model goes beside it as NAME_size.json)" };
        var version = new Option<int?>("--version") { Description = "Version to export (default: current)" };
        var zooDir = ZooOption();
        var cmd = new Command("export", "Write a model's weights as a PyTorch .pth (and its size model beside it)") { name, path, version, zooDir };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            var written = Zoo(() => zoo.Export(r.GetValue(name)!, r.GetValue(path)!, r.GetValue(version)));
            foreach (string f in written) console.Out.WriteLine($"wrote {f}");
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command TrainSize(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name (its current version gets the size model)" };
        var dirs = new Option<string[]>("--dir") { Description = "Folder(s) of training images with masks", Required = true, AllowMultipleArgumentsPerToken = true };
        var maskSuffix = new Option<string>("--mask-suffix") { Description = "Suffix of mask files", DefaultValueFactory = _ => "_masks" };
        var chan = new Option<int>("--chan") { Description = "Channel to segment: 0 gray, 1-3 R/G/B" };
        var chan2 = new Option<int>("--chan2") { Description = "Nuclear channel: 0 none, 1-3 R/G/B" };
        var epochs = new Option<int>("--epochs") { Description = "Random crops per image (Cellpose: 10)", DefaultValueFactory = _ => 10 };
        var crop = new Option<int>("--crop-size") { Description = "Crop size (Cellpose: 512)", DefaultValueFactory = _ => 512 };
        var scaleRange = new Option<double>("--scale-range")
        {
            Description = "Crops are scaled by U[1 - r/2, 1 + r/2] (Cellpose: 1); a wider range teaches sizes the training images lack",
            DefaultValueFactory = _ => 1.0,
        };
        var scales = new Option<string?>("--scales")
        {
            Description = "MIN,MAX: crops scaled log-uniformly in [MIN, MAX] instead of --scale-range (e.g. 0.5,4 for objects up to 4x the training images' size)",
        };
        var l2 = new Option<double>("--l2")
        {
            Description = "Ridge penalty of the style-to-diameter regression (Cellpose: 1)",
            DefaultValueFactory = _ => 1.0,
        };
        var refinePasses = RefinePassesOption("Refining passes the size model asks for when it estimates (Cellpose: 1; more let objects far larger than the training sizes converge)");
        var settle = SettleOption();
        var seed = new Option<int>("--seed") { Description = "Random seed" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var zooDir = ZooOption();
        var cmd = new Command("train-size", "Fit a model's size model (Cellpose: ridge regression from style to log diameter)")
        {
            name, dirs, maskSuffix, chan, chan2, epochs, crop, scaleRange, scales, l2, refinePasses, settle, seed, device, zooDir,
        };
        cmd.SetAction((r, cancel) =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            string weights = Zoo(() => zoo.WeightsPath(n));
            var options = new SizeTrainOptions
            {
                Epochs = r.GetValue(epochs), CropSize = r.GetValue(crop), ScaleRange = r.GetValue(scaleRange), Seed = r.GetValue(seed),
                LogScales = ParseScales(r.GetValue(scales)), L2 = r.GetValue(l2),
            };
            if (options.LogScales is not null && r.GetResult(scaleRange) is { Implicit: false })
                throw new UsageException("--scales and --scale-range both set the crop scales: give one of them");
            try { options.Validate(); }
            catch (ArgumentOutOfRangeException ex) { throw new UsageException(ex.Message.Split(" (Parameter")[0]); }
            int passes = CheckedRefinePasses(r.GetValue(refinePasses));
            double settled = CheckedSettle(r.GetValue(settle));
            var samples = LoadSamples(r.GetValue(dirs)!, r.GetValue(maskSuffix)!, r.GetValue(chan), r.GetValue(chan2));
            var dev = Device(r.GetValue(device)!);
            using var net = CellposeWeights.LoadNetwork(weights);
            net.to(dev);
            console.Out.WriteLine(string.Create(Inv, $"{samples.Count} images; {options.Epochs} crops of {options.CropSize} per image through {n} v{zoo.Manifest(n).Current}"));
            var result = SizeModelTrainer.Train(net, samples, dev, options, cancel,
                (e, total) => console.Out.WriteLine(string.Create(Inv, $"size epoch {e}/{total}")));
            Zoo(() => zoo.SetSizeModel(n, result.Model.WithRefinePasses(passes, settled), new SizeModelInfo
            {
                Source = "acqseg zoo train-size " + string.Join(" ", r.GetValue(dirs)!) + NonDefault(options)
                    + (passes == 1 ? "" : string.Create(Inv, $" --refine-passes {passes}"))
                    + (settled == SizeModel.DefaultSettledChange ? "" : string.Create(Inv, $" --settle {settled}")),
                TrainImages = result.Images,
                Crops = result.Crops,
                TrainCorrelation = Math.Round(result.TrainCorrelation, 4),
                Created = DateTimeOffset.UtcNow,
            }));
            console.Out.WriteLine(string.Create(Inv,
                $"size model of {n}: {result.Images} images, {result.Crops} crops, train correlation {result.TrainCorrelation:0.000}, {result.Seconds:0.0} s; saved {Path.Combine(zoo.Folder(n), ModelZoo.SizeFile)}"));
            return Task.FromResult(CliApp.Ok);
        });
        return cmd;
    }

    /// <summary>The size-fit options that differ from Cellpose's defaults, as train-size arguments.</summary>
    private static string NonDefault(SizeTrainOptions options)
    {
        var cellpose = new SizeTrainOptions();
        return (options.Epochs == cellpose.Epochs ? "" : string.Create(Inv, $" --epochs {options.Epochs}"))
            + (options.LogScales is { } l ? string.Create(Inv, $" --scales {l.Min},{l.Max}")
                : options.ScaleRange == cellpose.ScaleRange ? "" : string.Create(Inv, $" --scale-range {options.ScaleRange}"))
            + (options.L2 == cellpose.L2 ? "" : string.Create(Inv, $" --l2 {options.L2}"));
    }

    private static Option<int> RefinePassesOption(string description) =>
        new("--refine-passes") { Description = description, DefaultValueFactory = _ => 1 };

    private static Option<double?> SettleOption() =>
        new("--settle") { Description = $"Refining passes stop once one moves the diameter by less than this fraction (default {SizeModel.DefaultSettledChange})" };

    private static double CheckedSettle(double? settle) => settle switch
    {
        null => SizeModel.DefaultSettledChange,
        { } f when SizeModel.IsValidSettledChange(f) => f,
        _ => throw new UsageException(string.Create(Inv, $"--settle {settle}: {SizeModel.SettleRange}")),
    };

    /// <summary>How `zoo eval` records a folder (and `zoo target` names one): its last path part.</summary>
    private static string EvalFolderName(string dir) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));

    private static int CheckedRefinePasses(int passes) => SizeModel.IsValidRefinePasses(passes)
        ? passes
        : throw new UsageException($"--refine-passes {passes} must be 1 (Cellpose) to {SizeModel.MaxRefinePasses}");

    private static (double Min, double Max)? ParseScales(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, Inv, out double min)
            && double.TryParse(parts[1], NumberStyles.Float, Inv, out double max))
            return (min, max);
        throw new UsageException($"--scales '{text}' is not MIN,MAX (two numbers, e.g. 0.5,4)");
    }

    /// <summary>`zoo eval NAME --dir DIR...`: AP@0.5 of the current version on each evaluation folder, recorded in
    /// the manifest (and so in the card).</summary>
    private static Command Eval(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name (its current version is scored)" };
        var dirs = new Option<string[]>("--dir") { Description = "Evaluation folder(s) of images with masks", Required = true, AllowMultipleArgumentsPerToken = true };
        var maskSuffix = new Option<string>("--mask-suffix") { Description = "Suffix of mask files", DefaultValueFactory = _ => "_masks" };
        var diameter = new Option<double>("--diameter") { Description = "Object diameter (0 = the size model's estimate, as users run it)", DefaultValueFactory = _ => 0 };
        var trueDiameter = new Option<bool>("--true-diameter")
        {
            Description = "Run each image at its ground-truth masks' diameter instead (recorded apart: separates the network's accuracy from the size model's)",
        };
        var chan = new Option<int>("--chan") { Description = "Channel to segment: 0 gray, 1-3 R/G/B" };
        var chan2 = new Option<int>("--chan2") { Description = "Nuclear channel: 0 none, 1-3 R/G/B" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
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
            string weights = Zoo(() => zoo.WeightsPath(n));
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
            var settings = new SegmentSettings { Diameter = d, Chan = r.GetValue(chan), Chan2 = r.GetValue(chan2), Fast = onFast };
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
                Zoo(() => zoo.RecordAp(n, folder, aps.Average(), atTrueDiameter: atTruth, fastPath: onFast));
                console.Out.WriteLine(string.Create(Inv,
                    $"{n} v{zoo.Manifest(n).Current} on {folder}{(atTruth ? " at the true diameter" : "")} ({(onFast ? "fast" : "exact")} path): mean AP@0.5 {aps.Average():0.000} over {aps.Count} images"));
            }
            var scored = Zoo(() => zoo.Manifest(n));
            foreach (var t in onFast ? [] : scored.Targets ?? [])
                console.Out.WriteLine($"target '{t.Label}' (>= {t.MinAp.ToString("0.000", Inv)}){(atTruth ? " at the true diameter" : "")}: {Standing(t, atTruth ? scored.CurrentVersion.ApTrueDiameter : scored.CurrentVersion.Ap)}");
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command AddStyles(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model whose training images these are" };
        var dirs = new Option<string[]>("--dir") { Description = "Folder(s) of the model's training images", Required = true, AllowMultipleArgumentsPerToken = true };
        var reference = ReferenceOption();
        var diameter = new Option<double>("--diameter") { Description = "Diameter the styles are computed at (0 = each image's masks' diameter)", DefaultValueFactory = _ => 30.0 };
        var maskSuffix = new Option<string>("--mask-suffix") { Description = "Suffix of mask files (for --diameter 0)", DefaultValueFactory = _ => "_masks" };
        var chan = new Option<int>("--chan") { Description = "Channel to segment: 0 gray, 1-3 R/G/B" };
        var chan2 = new Option<int>("--chan2") { Description = "Nuclear channel: 0 none, 1-3 R/G/B" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var zooDir = ZooOption();
        var cmd = new Command("add-styles", "Store the styles of a model's training images (from the reference model) for `zoo suggest`")
        {
            name, dirs, reference, diameter, maskSuffix, chan, chan2, device, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            if (!zoo.Contains(n)) throw new UsageException($"no model '{n}' in {zoo.Root}");
            string refName = ReferenceName(zoo, r.GetValue(reference));
            double d = r.GetValue(diameter);
            if (d < 0 || double.IsNaN(d)) throw new UsageException($"--diameter {d} must be >= 0");
            string suffix = r.GetValue(maskSuffix)!;
            var images = new List<string>();
            foreach (string dir in r.GetValue(dirs)!)
            {
                if (!Directory.Exists(dir)) throw new UsageException($"--dir '{dir}' is not a folder");
                images.AddRange(InputFiles.Expand([dir]));
            }
            string refWeights = Zoo(() => zoo.WeightsPath(refName));
            using var model = LoadModel(refWeights, r.GetValue(device)!);
            var examples = new List<StyleExample>();
            foreach (string img in images)
            {
                double? at = d > 0 ? d : TrainingData.MasksDiameterFor(img, suffix);
                var image = TiffReader.Read(img);
                examples.Add(new StyleExample(Path.GetFileName(img), ZooNetwork.StyleOf(model, image, r.GetValue(chan), r.GetValue(chan2), at)));
            }
            Zoo(() => { zoo.SaveStyles(n, new StyleSet(refName, ModelSuggester.Sha256(refWeights), examples)); return 0; });
            console.Out.WriteLine($"stored {examples.Count} styles of {n}'s images (reference model {refName}) in {zoo.StylesPath(n)}");
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command Suggest(CliConsole console)
    {
        var images = new Argument<string[]>("images") { Description = "TIFF files or folders", Arity = ArgumentArity.OneOrMore };
        var reference = ReferenceOption();
        var k = new Option<int>("--k") { Description = "Neighbours that vote", DefaultValueFactory = _ => 5 };
        var diameter = new Option<double>("--diameter") { Description = "Diameter the image's style is computed at (Cellpose's GUI: 30)", DefaultValueFactory = _ => 30.0 };
        var chan = new Option<int>("--chan") { Description = "Channel to segment: 0 gray, 1-3 R/G/B" };
        var chan2 = new Option<int>("--chan2") { Description = "Nuclear channel: 0 none, 1-3 R/G/B" };
        var json = new Option<bool>("--json") { Description = "One JSON line per image" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var zooDir = ZooOption();
        var cmd = new Command("suggest", "Choose a zoo model per image: the k nearest stored training styles vote")
        {
            images, reference, k, diameter, chan, chan2, json, device, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string refName = ReferenceName(zoo, r.GetValue(reference));
            int kk = r.GetValue(k);
            if (kk < 1) throw new UsageException($"--k {kk} must be at least 1");
            double d = r.GetValue(diameter);
            if (!(d > 0)) throw new UsageException($"--diameter {d} must be positive");
            var files = InputFiles.Expand(r.GetValue(images)!);
            ModelSuggester suggester;
            IReadOnlyList<string> skipped;
            try { suggester = ModelSuggester.FromZoo(zoo, refName, kk, out skipped); }
            catch (ZooException ex) { throw new UsageException(ex.Message); }
            foreach (string left in skipped) console.Error.WriteLine($"acqseg zoo suggest: left out {left}");
            using var model = LoadModel(Zoo(() => zoo.WeightsPath(refName)), r.GetValue(device)!);
            int failed = 0;
            foreach (string file in files)
            {
                try
                {
                    var style = ZooNetwork.StyleOf(model, TiffReader.Read(file), r.GetValue(chan), r.GetValue(chan2), d);
                    var s = suggester.Suggest(style);
                    if (r.GetValue(json))
                    {
                        console.Out.WriteLine(JsonSerializer.Serialize(new
                        {
                            image = file,
                            model = s.Model,
                            votes = s.Votes,
                            neighbours = s.Neighbours.Select(nb => new { model = nb.Model, image = nb.Image, distance = Math.Round(nb.Distance, 5) }),
                        }));
                    }
                    else
                    {
                        string votes = string.Join(", ", s.Votes.OrderByDescending(v => v.Value).Select(v => $"{v.Key} {v.Value}"));
                        string near = string.Join(", ", s.Neighbours.Select(nb => string.Create(Inv, $"{nb.Model}:{nb.Image} {nb.Distance:0.0000}")));
                        console.Out.WriteLine($"{file}: {s.Model} (votes {votes}; nearest {near})");
                    }
                }
                catch (Exception ex) when (ex is TiffReadException or ArgumentException or IOException)
                {
                    console.Error.WriteLine($"acqseg zoo suggest: {(ex is TiffReadException ? ex.Message : $"{file}: {ex.Message}")}");
                    failed++;
                }
            }
            return failed > 0 ? CliApp.InputFailed : CliApp.Ok;
        });
        return cmd;
    }

    private static Option<string?> ReferenceOption() => new("--reference-model")
    {
        Description = "Zoo model whose network computes all styles (default: 'general')",
    };

    private static string ReferenceName(ModelZoo zoo, string? given)
    {
        string name = given ?? "general";
        if (zoo.Contains(name)) return name;
        throw new UsageException(given is null
            ? $"the zoo has no 'general' model to compute styles with; pass --reference-model NAME (models: {string.Join(", ", zoo.Names())})"
            : $"--reference-model '{given}': no such zoo model (models: {string.Join(", ", zoo.Names())})");
    }

    private static List<TrainingSample> LoadSamples(string[] dirs, string suffix, int chan, int chan2)
    {
        var pairs = new List<(string, string)>();
        foreach (string d in dirs)
        {
            if (!Directory.Exists(d)) throw new UsageException($"--dir '{d}' is not a folder");
            pairs.AddRange(TrainingData.FindPairs(d, suffix));
        }
        if (pairs.Count == 0) throw new UsageException($"no image/mask pairs (*{suffix}.tif) in {string.Join(", ", dirs)}");
        return TrainingData.LoadForSize(pairs, chan, chan2).ToList();
    }

    private static TorchSharp.torch.Device Device(string spec)
    {
        try { return DeviceChoice.Parse(spec).Resolve(); }
        catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
        catch (DeviceUnavailableException ex) { throw new UsageException(ex.Message); }
    }

    private static CellposeModel LoadModel(string path, string device)
    {
        try { return CellposeModel.Load(path, DeviceChoice.Parse(device)); }
        catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
        catch (DeviceUnavailableException ex) { throw new UsageException(ex.Message); }
        catch (ModelFileException ex) { throw new UsageException(ex.Message); }
    }
}
