using System.CommandLine;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Transforms;
using AcqSeg.Models.Sizing;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>
/// `acqseg zoo size-check NAME --dir DIR...`: the size model alone, against labelled images: per image the masks'
/// diameter, the style's guess, each refining pass and the final estimate; per folder how many estimates land within
/// 25 % of the truth and the geometric mean error factor. `--refine-passes` tries another pass count without
/// refitting; `--scale` checks the same images resized (larger or smaller objects). Records nothing.
/// </summary>
internal static class ZooSizeCheckCommand
{
    /// <summary>Estimates within this factor of the masks' diameter count as right in `zoo size-check`'s summary.</summary>
    private const double SizeCheckTolerance = 1.25;

    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name (its current version and size model)" };
        var dirs = new Option<string[]>("--dir") { Description = "Folder(s) of images with masks", Required = true, AllowMultipleArgumentsPerToken = true };
        var maskSuffix = MaskSuffixOption();
        var refinePasses = new Option<int?>("--refine-passes") { Description = "Refining passes to use instead of the size model's own" };
        var settle = new Option<double?>("--settle") { Description = "Stopping fraction of the passes to use instead of the size model's own" };
        var chan = ChanOption();
        var chan2 = Chan2Option();
        var device = DeviceOption();
        var scale = new Option<double>("--scale")
        {
            Description = "Resize each image and its masks by this factor first (0.25-4): the same objects as a higher or lower magnification shows them",
            DefaultValueFactory = _ => 1.0,
        };
        var zooDir = ZooOption();
        var cmd = new Command("size-check", "Compare a model's size estimates with labelled images' mask diameters (per image and per folder; records nothing)")
        {
            name, dirs, maskSuffix, refinePasses, settle, chan, chan2, device, scale, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            string weights = ZooCall(() => zoo.WeightsPath(n));
            string sizePath = zoo.SizeModelPath(n)
                ?? throw new UsageException($"{n} has no size model; fit one with `acqseg zoo train-size {n} --dir DIR`");
            var size = SizeModel.Load(sizePath);
            if (r.GetValue(refinePasses) is { } p) size = size.WithRefinePasses(CheckedRefinePasses(p));
            if (r.GetValue(settle) is { } st) size = size.WithRefinePasses(size.RefinePasses, CheckedSettle(st));
            double factor = r.GetValue(scale);
            if (!(factor is >= 0.25 and <= 4)) throw new UsageException(string.Create(Inv, $"--scale {factor} must be between 0.25 and 4"));
            var folders = r.GetValue(dirs)!;
            foreach (string dir in folders) if (!Directory.Exists(dir)) throw new UsageException($"--dir '{dir}' is not a folder");
            using var model = LoadModel(weights, r.GetValue(device)!);
            var segmenter = new FrameSegmenter(model, size);
            var settings = new SegmentSettings { Diameter = 0, Chan = r.GetValue(chan), Chan2 = r.GetValue(chan2) };
            if (factor != 1) console.Out.WriteLine(string.Create(Inv, $"images and masks resized by x{factor} (bilinear, nearest) before the check"));
            console.Out.WriteLine(string.Create(Inv, $"{n} v{zoo.Manifest(n).Current}, size model with {size.RefinePasses} refining pass(es), stopping below a {size.SettledChange * 100:0.#} % change"));
            var all = new List<double>();
            foreach (string dir in folders)
            {
                var pairs = TrainingData.FindPairs(dir, r.GetValue(maskSuffix)!);
                if (pairs.Count == 0) throw new UsageException($"--dir '{dir}' has no image/mask pairs");
                var ratios = new List<double>();
                foreach (var pair in pairs)
                {
                    var (image, masks) = Scaled(TiffReader.Read(pair.Image), LabelFiles.Read(pair.Masks), factor);
                    double truth = TrainingData.Diameter(masks);
                    if (!(truth > 0)) continue;
                    var estimate = segmenter.ResolveDiameter(image, settings).Estimate!;
                    ratios.Add(estimate.Diameter / truth);
                    string steps = string.Join(" -> ", estimate.PassDiameters.Select(d => d.ToString("0.0", Inv)));
                    console.Out.WriteLine(string.Create(Inv,
                        $"  {Path.GetFileName(pair.Image)}: masks {truth:0.0}, style {estimate.StyleDiameter:0.0}, passes {steps}, estimate {estimate.Diameter:0.0} (x{estimate.Diameter / truth:0.00})"));
                }
                all.AddRange(ratios);
                string folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
                console.Out.WriteLine(Summary(folder, ratios));
            }
            if (folders.Length > 1) console.Out.WriteLine(Summary("all", all));
            return CliApp.Ok;
        });
        return cmd;
    }

    /// <summary>The image (bilinear) and its masks (nearest) resized by <paramref name="factor"/>; unchanged at 1.</summary>
    private static (ImageData Image, LabelImage Masks) Scaled(ImageData image, LabelImage masks, double factor)
    {
        if (factor == 1) return (image, masks);
        int h = Math.Max(1, (int)Math.Round(image.Height * factor)), w = Math.Max(1, (int)Math.Round(image.Width * factor));
        var planes = BilinearResize.Resize(image.Data, image.Channels, image.Height, image.Width, h, w);
        return (new ImageData(planes, image.Channels, h, w, image.Metadata), NearestResize.Labels(masks, h, w));
    }

    private static string Summary(string label, List<double> ratios)
    {
        if (ratios.Count == 0) return $"{label}: no image with objects";
        int within = ratios.Count(x => x <= SizeCheckTolerance && x >= 1 / SizeCheckTolerance);
        double errorFactor = Math.Exp(ratios.Average(x => Math.Abs(Math.Log(x))));
        return string.Create(Inv,
            $"{label}: {within}/{ratios.Count} estimates within 25 % of the masks' diameter, geometric mean error x{errorFactor:0.000}");
    }
}
