using System.Globalization;
using AcqSeg.Cli.Diagnostics;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg bench --estimate FOLDER...`: what `--diameter 0` costs and scores, with the size model run on every image
/// (as before issue 23) and with one estimate per folder reused and re-estimated on drift (`segment --estimate-once`, the
/// service's rule per acquisition). Per image: each way's diameter, estimate seconds and total seconds, and AP@0.5 against
/// the image's ground truth (NAME_masks.tif); per folder and way: the estimate's share of the frames' time and the mean AP.
/// The fast path, as `acqseg segment` runs by default, after one warm-up segmentation.
/// </summary>
internal static class EstimateBench
{
    private sealed record Frame(string Image, SegmentationResult Result, double? Ap);

    public static int Run(CliConsole console, string modelPath, DeviceChoice device, NetworkPrecision precision,
        IReadOnlyList<(string Folder, IReadOnlyList<string> Images)> folders, DiameterReuseOptions reuseOptions)
    {
        var o = console.Out;
        var inv = CultureInfo.InvariantCulture;
        using var model = CellposeModel.Load(modelPath, device);
        var size = SegmentCommand.LoadSizeModel(modelPath, model)
            ?? throw new UsageException($"--estimate: {modelPath} has no size model beside it (size.json or NAME_size.json); give a zoo model that has one, e.g. --model nuclei");
        var segmenter = new FrameSegmenter(model, size);
        var settings = new SegmentSettings { Diameter = 0, Fast = true, Precision = precision };
        o.WriteLine($"model {modelPath}, size model refine passes {size.RefinePasses} (settle {size.SettledChange.ToString(inv)}), device {model.Device.type}, " +
                    $"precision {model.ResolvePrecision(precision)}, torch threads {TorchSharp.torch.get_num_threads()}, " +
                    string.Create(inv, $"re-estimate at style distance > {reuseOptions.MaxStyleDistance} or diameter change > {reuseOptions.MaxDiameterChange:P0}"));
        o.WriteLine($"machine: {MachineInfo.Describe()}; load average {MachineInfo.LoadAverage(all: true)}");
        var first = folders.SelectMany(f => f.Images).First();
        segmenter.Segment(TiffReader.Read(first), settings with { Diameter = model.DiamLabels });

        var summary = new List<string>();
        o.WriteLine("| folder | image | every: diameter | every: estimate s | every: total s | every: AP@0.5 | once: diameter | once: source | once: estimate s | once: total s | once: AP@0.5 | style distance, masks px vs estimated frame's | why estimated |");
        o.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (folder, images) in folders)
        {
            var reuse = new DiameterReuse(reuseOptions);
            var every = new List<Frame>();
            var once = new List<Frame>();
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
            foreach (string file in images)
            {
                var image = TiffReader.Read(file);
                var truth = TrainingData.MasksFor(file) is { } m ? LabelFiles.Read(m) : null;
                var a = segmenter.Segment(image, settings);
                var b = segmenter.Segment(image, settings, reuse, folder);
                every.Add(new Frame(file, a, truth is null ? null : SegmentationMetrics.AveragePrecision(truth, a.Masks)));
                once.Add(new Frame(file, b, truth is null ? null : SegmentationMetrics.AveragePrecision(truth, b.Masks)));
                var (fa, fb) = (every[^1], once[^1]);
                o.WriteLine(string.Create(inv,
                    $"| {name} | {Path.GetFileNameWithoutExtension(file)} | {a.Diameter:0.0} | {a.Timings.SizeEstimate:0.00} | {a.Timings.Total:0.00} | {Ap(fa.Ap)} | " +
                    $"{b.Diameter:0.0} | {b.DiameterSource} | {b.Timings.SizeEstimate:0.00} | {b.Timings.Total:0.00} | {Ap(fb.Ap)} | {Check(b)} | {(b.EstimateReason is { } w ? $"{w.Reason}: {w.Detail}" : "-")} |"));
            }
            summary.Add(Summary(name, "every image", every));
            summary.Add(Summary(name, "once per folder", once));
        }
        o.WriteLine();
        o.WriteLine("| folder | size model runs | images | estimates | estimate s | total s | estimate share of frame time | mean s per estimated frame | mean s per reused frame | frames in a series for a share <= 25 % | mean AP@0.5 |");
        o.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (string line in summary) o.WriteLine(line);
        o.WriteLine($"load average after: {MachineInfo.LoadAverage(all: true)}");
        return CliApp.Ok;
    }

    private static string Summary(string folder, string way, List<Frame> frames)
    {
        double estimate = frames.Sum(f => f.Result.Timings.SizeEstimate), total = frames.Sum(f => f.Result.Timings.Total);
        var aps = frames.Where(f => f.Ap is not null).Select(f => f.Ap!.Value).ToList();
        var estimated = frames.Where(f => f.Result.DiameterSource == DiameterSources.Estimated).Select(f => f.Result.Timings.Total).ToList();
        var reused = frames.Where(f => f.Result.DiameterSource == DiameterSources.Reused).Select(f => f.Result.Timings.Total).ToList();
        var inv = CultureInfo.InvariantCulture;
        // One estimate of E seconds then frames of S seconds each: E / (E + n S) <= 1/4 from n = 3 E / S frames on.
        string series = reused.Count == 0 ? "-" : Math.Ceiling(3 * frames.Where(f => f.Result.DiameterSource == DiameterSources.Estimated)
            .Average(f => f.Result.Timings.SizeEstimate) / reused.Average()).ToString("0", inv);
        return string.Create(inv,
            $"| {folder} | {way} | {frames.Count} | {estimated.Count} | {estimate:0.0} | {total:0.0} | {estimate / total:P0} | {Mean(estimated)} | {Mean(reused)} | {series} | {(aps.Count == 0 ? "-" : aps.Average().ToString("0.000", inv))} |");
    }

    private static string Check(SegmentationResult r) => r.ReuseCheck is { } c
        ? string.Create(CultureInfo.InvariantCulture, $"{c.StyleDistance:0.000}, {c.MaskDiameter:0.0} vs {c.HeldMaskDiameter:0.0}")
        : "-";

    private static string Mean(List<double> seconds) => seconds.Count == 0 ? "-" : seconds.Average().ToString("0.00", CultureInfo.InvariantCulture);

    private static string Ap(double? ap) => ap is double a ? a.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
