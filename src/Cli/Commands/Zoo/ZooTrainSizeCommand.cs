using System.CommandLine;
using System.Globalization;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Sizing;
using AcqSeg.Engine.Training;
using AcqSeg.Models.Sizing;
using AcqSeg.Models.Zoo;
using TorchSharp;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo train-size NAME --dir DIR...`: fits the current version's size model (Cellpose's ridge regression from style to log diameter).</summary>
internal static class ZooTrainSizeCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name (its current version gets the size model)" };
        var dirs = new Option<string[]>("--dir") { Description = "Folder(s) of training images with masks", Required = true, AllowMultipleArgumentsPerToken = true };
        var maskSuffix = MaskSuffixOption();
        var chan = ChanOption();
        var chan2 = Chan2Option();
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
        var device = DeviceOption();
        var zooDir = ZooOption();
        var cmd = new Command("train-size", "Fit a model's size model (Cellpose: ridge regression from style to log diameter)")
        {
            name, dirs, maskSuffix, chan, chan2, epochs, crop, scaleRange, scales, l2, refinePasses, settle, seed, device, zooDir,
        };
        cmd.SetAction((r, cancel) =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            string weights = ZooCall(() => zoo.WeightsPath(n));
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
            ZooCall(() => zoo.SetSizeModel(n, result.Model.WithRefinePasses(passes, settled), new SizeModelInfo
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
}
