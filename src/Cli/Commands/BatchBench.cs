using System.Diagnostics;
using System.Globalization;
using AcqSeg.Cli.Diagnostics;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg bench --batch 1,4`: frames per second of the segment worker's batches (SegmentWorker:BatchSize): the same frames
/// segmented with shared network passes of 1, 4, ... frames (<see cref="FrameSegmenter.SegmentBatch"/>, the worker's call),
/// network pass and masks per frame, reading and writing left out (a batch does not change them). The batch sizes are
/// interleaved in every repeat, so a change of the machine's load reaches them alike; the median repeat is reported. Also
/// the network's convolution GFLOP per 224x224 tile and per 1-megapixel frame, from the layer shapes (<see cref="NetworkFlops"/>).
/// </summary>
internal static class BatchBench
{
    private sealed record Sample(double Seconds, double Normalize, double Network, double Dynamics);

    public static int Run(CliConsole console, string modelPath, DeviceChoice device, NetworkPrecision precision, IReadOnlyList<int> sizes,
        IReadOnlyList<int> batches, int frameCount, int repeats, double diameter, IReadOnlyList<string> modes)
    {
        var o = console.Out;
        var inv = CultureInfo.InvariantCulture;
        using var model = CellposeModel.Load(modelPath, device);
        var segmenter = new FrameSegmenter(model);
        var widths = model.Network.Widths;
        o.WriteLine(string.Create(inv, $"model {modelPath} (widths [{string.Join(",", widths)}]), device {model.Device.type}, fast path precision {model.ResolvePrecision(precision)}, " +
                                        $"torch threads {TorchSharp.torch.get_num_threads()}, {frameCount} frames per size and batch size, repeats {repeats}, diameter {diameter}"));
        o.WriteLine($"machine: {MachineInfo.Describe()}; load average (1, 5, 15 min, every process on the machine) {MachineInfo.LoadAverage(all: true)} at the start");
        PrintWork(console, model);

        var rows = new List<string>();
        foreach (int size in sizes)
        {
            var frames = Frames(size, frameCount, diameter);
            foreach (string mode in modes)
            {
                var settings = new SegmentSettings
                {
                    Diameter = diameter, Fast = mode != "exact", Precision = precision, FastTiles = mode == "large" ? FastTiles.Large : FastTiles.Cellpose,
                };
                var samples = batches.ToDictionary(b => b, _ => new List<Sample>());
                // Warm-up at every batch size: first-call allocations, oneDNN's kernels for each stacked shape, the fast network's build.
                foreach (int b in batches) segmenter.SegmentBatch(frames.Take(b).ToList(), settings);
                for (int k = 0; k < repeats; k++)
                {
                    foreach (int b in batches) samples[b].Add(Time(segmenter, frames, b, settings));
                }
                var (gflop, _) = BenchCommand.Work(model, size, diameter, settings);
                double baseline = frameCount / Median(samples[batches[0]], s => s.Seconds);
                foreach (int b in batches)
                {
                    var runs = samples[b];
                    double seconds = Median(runs, s => s.Seconds), fps = frameCount / seconds;
                    double normalize = Median(runs, s => s.Normalize) / frameCount, network = Median(runs, s => s.Network) / frameCount;
                    double dynamics = Median(runs, s => s.Dynamics) / frameCount;
                    rows.Add(string.Create(inv,
                        $"| {size}x{size} | {mode} | {b} | {fps:0.00} | {runs.Min(s => frameCount / s.Seconds):0.00}-{runs.Max(s => frameCount / s.Seconds):0.00} | " +
                        $"{fps / baseline:0.00}x | {normalize:0.000} | {network:0.000} | {gflop / network:0} | {dynamics:0.000} |"));
                }
            }
        }
        o.WriteLine($"| frame | path | frames a batch | frames/s (median of {repeats}) | frames/s range | gain over {batches[0]} a batch | normalise s a frame | network s a frame | GFLOP/s | masks (dynamics + flow QC) s a frame |");
        o.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (string row in rows) o.WriteLine(row);
        o.WriteLine($"load average at the end: {MachineInfo.LoadAverage(all: true)}");
        return CliApp.Ok;
    }

    /// <summary>
    /// Convolution GFLOP of the network per 224x224 tile and per 1-megapixel (1024x1024) frame at rescale 1; the bytes the fast
    /// path's kernels move per tile in bfloat16 (every operation its own kernel, and the convolutions alone), so FLOP per byte:
    /// the figures behind the GPU estimate in docs/batching.md.
    /// </summary>
    private static void PrintWork(CliConsole console, CellposeModel model)
    {
        var o = console.Out;
        var inv = CultureInfo.InvariantCulture;
        var widths = model.Network.Widths;
        const int side = 1024;
        double pixels = NetworkFlops.Count(side, side, widths) / 1e9;
        var (exact, tiles) = BenchCommand.Work(model, side, model.DiamMean, new SegmentSettings { Diameter = model.DiamMean });
        var (fast, _) = BenchCommand.Work(model, side, model.DiamMean, new SegmentSettings { Diameter = model.DiamMean, Fast = true, FastTiles = FastTiles.Large }, out var fastTiles);
        o.WriteLine(string.Create(inv,
            $"network work (convolutions, 2 FLOP a multiply-add, from the layer shapes): a 1-megapixel frame ({side}x{side}, objects at the model's " +
            $"diam_mean {model.DiamMean:0.#} px): {pixels:0} GFLOP over its pixels once, {exact:0} GFLOP in Cellpose's {tiles} tiles of 224 (exact path), " +
            $"{fast:0} GFLOP in the fast path's {fastTiles.Count} large tiles of {fastTiles.Side} (--fast-tiles large)"));
        foreach (int t in new[] { 224, fastTiles.Side }.Distinct())
        {
            double flop = NetworkFlops.Count(t, t, widths), all = NetworkFlops.Bytes(t, t, widths), convs = NetworkFlops.Bytes(t, t, widths, convolutionsOnly: true);
            o.WriteLine(string.Create(inv,
                $"  per {t}x{t} tile: {flop / 1e9:0.0} GFLOP; its kernels move {all / 1e6:0} MB in bfloat16 ({flop / all:0} FLOP/byte), " +
                $"its convolutions alone {convs / 1e6:0} MB ({flop / convs:0} FLOP/byte)"));
        }
    }

    /// <summary>The reference frame of the size when there is one, then synthetic nuclei frames, each of its own content.</summary>
    private static List<ImageData> Frames(int size, int count, double diameter)
    {
        string? reference = BenchCommand.ReferenceFrame(size);
        return Enumerable.Range(0, count)
            .Select(i => i == 0 && reference is not null
                ? TiffReader.Read(reference)
                : SyntheticFrames.Generate(new SynthSettings
                {
                    Style = SynthStyle.Nuclei, Height = size, Width = size, Diameter = diameter, Density = 0.12, Seed = size + i, BitDepth = 16,
                }).Image)
            .ToList();
    }

    private static Sample Time(FrameSegmenter segmenter, List<ImageData> frames, int batch, SegmentSettings settings)
    {
        GC.Collect();
        double normalize = 0, network = 0, dynamics = 0;
        var clock = Stopwatch.StartNew();
        foreach (var chunk in frames.Chunk(batch))
        {
            foreach (var r in segmenter.SegmentBatch(chunk, settings))
            {
                normalize += r.Timings.Normalize;
                network += r.Timings.Network;
                dynamics += r.Timings.Dynamics + r.Timings.FlowQc;
            }
        }
        return new Sample(clock.Elapsed.TotalSeconds, normalize, network, dynamics);
    }

    private static double Median(List<Sample> samples, Func<Sample, double> value)
    {
        var v = samples.Select(value).Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
