using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AcqSeg.Segmentation.Inference;
using AcqSeg.Segmentation.Io;
using AcqSeg.Segmentation.Metrics;
using AcqSeg.Segmentation.Network;
using AcqSeg.Segmentation.Pipeline;
using AcqSeg.Segmentation.Synthesis;
using AcqSeg.Segmentation.Transforms;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg bench`: per-stage seconds for synthetic frames of several sizes, tiled and whole-frame, the network's
/// achieved GFLOP/s (convolution FLOPs of the tiles or padded frame it ran / network seconds), peak memory, and the
/// whole-frame masks scored against the tiled ones (AP@0.5).
/// </summary>
public static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model")
        {
            Description = "Zoo model name or .pth path (default: the Cellpose reference weights in ../shared)",
        };
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated square frame sizes", DefaultValueFactory = _ => "256,512,1024,2048" };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per frame and mode (after one warm-up)", DefaultValueFactory = _ => 1 };
        var diameter = new Option<double>("--diameter") { Description = "Object diameter of the synthetic frames", DefaultValueFactory = _ => 30.0 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var cmd = new Command("bench", "Time each stage on synthetic frames, tiled and whole-frame") { model, sizes, repeats, diameter, device };
        cmd.SetAction(r =>
        {
            var sizeList = new List<int>();
            foreach (string s in r.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 64 || v > 16384)
                    throw new UsageException($"--sizes: '{s}' is not a frame size between 64 and 16384");
                sizeList.Add(v);
            }
            int rep = r.GetValue(repeats);
            if (rep < 1) throw new UsageException($"--repeats {rep} must be >= 1");
            string path = ResolveModel(r.GetValue(model));
            DeviceChoice dev;
            try { dev = DeviceChoice.Parse(r.GetValue(device)!); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            return Run(console, path, dev, sizeList, rep, r.GetValue(diameter));
        });
        return cmd;
    }

    private static string ResolveModel(string? model)
    {
        if (model is not null) return ModelLocator.Resolve(model);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "reference", "cellpose-v2", "cpnet_synth_e40.pth");
            if (File.Exists(Path.Combine(dir.FullName, "AcqSeg.sln")) && File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        throw new UsageException("--model not given and ../shared/reference/cellpose-v2/cpnet_synth_e40.pth not found; pass --model");
    }

    private sealed record Row(int Size, string Mode, int Objects, double Read, double Normalize, double Network, double Dynamics, double FlowQc,
        double Write, double Total, double GFlop, double GFlopPerSecond, int Tiles, double Ap50VsTiled);

    private static int Run(CliConsole console, string modelPath, DeviceChoice device, List<int> sizes, int repeats, double diameter)
    {
        using var model = CellposeModel.Load(modelPath, device);
        var segmenter = new FrameSegmenter(model);
        var o = console.Out;
        o.WriteLine($"model {modelPath} (widths [{string.Join(",", model.Network.Widths)}]), device {model.Device.type}, " +
                    $"{Environment.ProcessorCount} logical CPUs, torch threads {TorchSharp.torch.get_num_threads()}, repeats {repeats}");
        var rows = new List<Row>();
        string tmp = Path.Combine(Path.GetTempPath(), $"acqseg-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(tmp);
        try
        {
            foreach (int size in sizes)
            {
                var frame = SyntheticFrames.Generate(new SynthSettings
                {
                    Style = SynthStyle.Nuclei, Height = size, Width = size, Diameter = diameter, Density = 0.12, Seed = size,
                });
                string input = Path.Combine(tmp, $"bench_{size}.tif");
                TiffWriter.WriteFloatPages(input, [frame.Image.Channel(0).ToArray()], size, size);
                LabelImage? tiledMasks = null;
                foreach (bool tile in new[] { true, false })
                {
                    var settings = new SegmentSettings { Diameter = diameter, Tile = tile };
                    RunOnce(segmenter, input, settings, tmp); // warm-up: first-call allocations and kernel selection
                    var samples = new List<(StageTimings T, LabelImage Masks)>();
                    for (int k = 0; k < repeats; k++) samples.Add(RunOnce(segmenter, input, settings, tmp));
                    var masks = samples[^1].Masks;
                    tiledMasks ??= masks;
                    double Med(Func<StageTimings, double> f) => Median(samples.Select(s => f(s.T)));
                    var (gflop, tiles) = Work(model, size, diameter, tile);
                    double network = Med(t => t.Network);
                    double ap = SegmentationMetrics.Evaluate(tiledMasks, masks, [0.5]).Thresholds[0].AveragePrecision;
                    rows.Add(new Row(size, tile ? "tiled" : "whole", masks.CountObjects(), Med(t => t.Read), Med(t => t.Normalize), network,
                        Med(t => t.Dynamics), Med(t => t.FlowQc), Med(t => t.Write), Med(t => t.Total), gflop, gflop / network, tiles, ap));
                }
            }
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
        o.WriteLine("| frame | mode | objects | read s | normalise s | network s | dynamics s | flow QC s | write s | total s | tiles | GFLOP | GFLOP/s | AP@0.5 vs tiled |");
        o.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var inv = CultureInfo.InvariantCulture;
        foreach (var r in rows)
        {
            o.WriteLine(string.Create(inv,
                $"| {r.Size}x{r.Size} | {r.Mode} | {r.Objects} | {r.Read:0.000} | {r.Normalize:0.000} | {r.Network:0.000} | {r.Dynamics:0.000} | {r.FlowQc:0.000} | {r.Write:0.000} | {r.Total:0.000} | {(r.Tiles > 0 ? r.Tiles.ToString(inv) : "-")} | {r.GFlop:0.0} | {r.GFlopPerSecond:0.0} | {r.Ap50VsTiled:0.000} |"));
        }
        o.WriteLine(string.Create(inv, $"peak resident memory {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024 * 1024):0.00} GiB"));
        return CliApp.Ok;
    }

    private static (StageTimings T, LabelImage Masks) RunOnce(FrameSegmenter segmenter, string input, SegmentSettings settings, string dir)
    {
        var clock = Stopwatch.StartNew();
        var image = TiffReader.Read(input);
        double read = clock.Elapsed.TotalSeconds;
        var result = segmenter.Segment(image, settings);
        var write = Stopwatch.StartNew();
        TiffWriter.WriteLabels(Path.Combine(dir, "bench_cp_masks.tif"), result.Masks);
        var t = result.Timings;
        t.Read = read;
        t.Write = write.Elapsed.TotalSeconds;
        t.Total = clock.Elapsed.TotalSeconds;
        return (t, result.Masks);
    }

    /// <summary>Convolution GFLOP the network pass costs: tiles x per-tile cost, or the padded frame in one pass.</summary>
    private static (double GFlop, int Tiles) Work(CellposeModel model, int size, double diameter, bool tile)
    {
        int scaled = BilinearResize.ScaledLength(size, model.DiamMean / diameter);
        var (before, after) = ImagePadding.Margins(scaled);
        int padded = scaled + before + after;
        var widths = model.Network.Widths;
        if (!tile) return (NetworkFlops.Count(padded, padded, widths) / 1e9, 0);
        int per = Tiling.TileLength(padded);
        int n = Tiling.Starts(padded).Length;
        return (n * n * NetworkFlops.Count(per, per, widths) / 1e9, n * n);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
