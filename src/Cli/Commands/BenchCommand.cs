using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AcqSeg.Cli.Diagnostics;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg bench`: for each frame, the exact path (Cellpose's float32 224-pixel tiles) and the fast path, timed per
/// stage after a warm-up: network GFLOP/s (effective = Cellpose's tile count x 31.0 GFLOP-per-tile cost / network
/// seconds; actual = the convolutions this path ran), peak resident memory of the run, and the fast path's masks
/// scored against the exact ones (AP@0.5).
/// </summary>
public static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model")
        {
            Description = "Zoo model name or .pth path (default: the Cellpose reference weights in ../shared)",
        };
        var sizes = new Option<string>("--sizes")
        {
            Description = "Comma-separated square frame sizes; a size with a reference frame (../shared/reference/cellpose-v2/synth_SIZE.tif) uses it, others a synthetic nuclei frame",
            DefaultValueFactory = _ => "512,2048",
        };
        var modes = new Option<string>("--modes") { Description = "exact, fast or both", DefaultValueFactory = _ => "exact,fast" };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per frame and mode (after one warm-up)", DefaultValueFactory = _ => 1 };
        var diameter = new Option<double>("--diameter") { Description = "Object diameter given to the model (and of the synthetic frames)", DefaultValueFactory = _ => 30.0 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var parity = new Option<string[]>("--parity")
        {
            Description = "Also segment every image in these folders (masks files skipped) with both paths and print AP@0.5 of fast vs exact per folder (at --parity-diameter)",
            AllowMultipleArgumentsPerToken = true,
        };
        var parityDiameter = new Option<double>("--parity-diameter")
        {
            Description = "Diameter for the --parity images; 0 = each image's ground-truth median diameter (its _masks file), else the model's",
            DefaultValueFactory = _ => 0.0,
        };
        var service = new Option<int>("--service")
        {
            Description = "Instead: seconds per frame of N synthetic frames through the embedded service (acqseg run) vs bare acqseg segment",
        };
        var serviceSize = new Option<int>("--service-size") { Description = "Frame size for --service", DefaultValueFactory = _ => 512 };
        var exactOnly = new Option<bool>("--exact") { Description = "With --service: run the exact path instead of the fast one" };
        var duringTraining = new Option<bool>("--during-training")
        {
            Description = "With --service: segmentation latency (mean, p95) of the N frames fed one at a time, with no training, while the train worker fine-tunes the model with its share of the cores, and with the share off; and the training's epochs/s",
        };
        var estimate = new Option<string[]>("--estimate")
        {
            Description = "Instead: --diameter 0 on every image of these folders with the size model on each image and with one estimate per folder " +
                          "reused (segment --estimate-once); per image and folder: estimate and total seconds, the estimate's share, AP@0.5 against NAME_masks.tif",
            AllowMultipleArgumentsPerToken = true,
        };
        var estimateLimit = new Option<int>("--estimate-images") { Description = "With --estimate: at most this many images per folder (0 = all)" };
        var batch = new Option<string>("--batch")
        {
            Description = "Instead: frames/s of the segment worker's batches (SegmentWorker:BatchSize) at these comma-separated sizes, e.g. 1,4, and the gain " +
                          "over the first; --sizes (default 512), --modes (default fast), --repeats, --batch-frames. Also the network's GFLOP per 224x224 tile and per 1-megapixel frame",
        };
        var batchFrames = new Option<int>("--batch-frames") { Description = "With --batch: frames segmented per frame size and batch size (a multiple of every batch size)", DefaultValueFactory = _ => 8 };
        var path = new NetworkPathOptions();
        var cmd = new Command("bench", "Time each stage of the exact and the fast path, with GFLOP/s, peak memory and AP@0.5 between them")
        {
            model, sizes, modes, repeats, diameter, device, path.Precision, parity, parityDiameter, service, serviceSize, exactOnly, duringTraining,
            estimate, estimateLimit, batch, batchFrames,
        };
        cmd.SetAction(r =>
        {
            bool batching = r.GetValue(batch) is not null;
            var sizeList = new List<int>();
            string sizeText = batching && r.GetResult(sizes) is null or { Implicit: true } ? "512" : r.GetValue(sizes)!;
            foreach (string s in sizeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 64 || v > 16384)
                    throw new UsageException($"--sizes: '{s}' is not a frame size between 64 and 16384");
                sizeList.Add(v);
            }
            string modeText = batching && r.GetResult(modes) is null or { Implicit: true } ? "fast" : r.GetValue(modes)!;
            var modeList = modeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(m => m.ToLowerInvariant()).Distinct().ToList();
            if (modeList.Count == 0 || modeList.Any(m => m is not ("exact" or "fast")))
                throw new UsageException($"--modes '{r.GetValue(modes)}': use exact, fast or exact,fast");
            int rep = r.GetValue(repeats);
            if (rep < 1) throw new UsageException($"--repeats {rep} must be >= 1");
            var batchList = new List<int>();
            foreach (string s in (r.GetValue(batch) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 1 || v > 64)
                    throw new UsageException($"--batch: '{s}' is not a number of frames a batch between 1 and 64 (SegmentWorker:BatchSize's range)");
                if (!batchList.Contains(v)) batchList.Add(v);
            }
            if (batching && batchList.Count == 0) throw new UsageException("--batch: give one or more frames-a-batch sizes, e.g. --batch 1,4");
            if (!batching && r.GetResult(batchFrames) is { Implicit: false }) throw new UsageException("--batch-frames is for --batch: give --batch 1,4 too");
            int frames = r.GetValue(batchFrames);
            if (batching && (frames < 1 || batchList.Any(b => frames % b != 0)))
                throw new UsageException($"--batch-frames {frames} must be a positive multiple of every batch size ({string.Join(", ", batchList)}), so that every batch is full");
            string modelPath = ResolveModel(r.GetValue(model));
            int serviceFrames = r.GetValue(service);
            if (serviceFrames != 0)
            {
                if (serviceFrames is < 3 or > 1000) throw new UsageException($"--service {serviceFrames}: use 3 to 1000 frames");
                int side = r.GetValue(serviceSize);
                if (side is < 64 or > 8192) throw new UsageException($"--service-size {side} must be 64-8192");
                if (r.GetValue(duringTraining)) return TrainingShareBench.Run(console, modelPath, serviceFrames, side, r.GetValue(exactOnly));
                return ServiceBench.Run(console, modelPath, serviceFrames, side, r.GetValue(exactOnly));
            }
            if (r.GetValue(duringTraining)) throw new UsageException("--during-training measures the service: give --service N too");
            DeviceChoice dev;
            try { dev = DeviceChoice.Parse(r.GetValue(device)!); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            var (_, precision) = path.Read(r);
            if (r.GetValue(diameter) is not (> 0 and < 10_000)) throw new UsageException($"--diameter {r.GetValue(diameter)} must be a positive number of pixels");
            if (batching)
                return BatchBench.Run(console, modelPath, dev, precision, sizeList, batchList, frames, rep, r.GetValue(diameter), modeList);
            if (r.GetValue(estimate) is { Length: > 0 } estimateDirs)
            {
                int limit = r.GetValue(estimateLimit);
                if (limit < 0) throw new UsageException($"--estimate-images {limit} must be 0 (all) or more");
                var estimateFolders = new List<(string Folder, IReadOnlyList<string> Images)>();
                foreach (string d in estimateDirs)
                {
                    if (!Directory.Exists(d)) throw new UsageException($"--estimate '{d}': folder not found");
                    var images = InputFiles.Expand([d]);
                    estimateFolders.Add((d, limit > 0 ? images.Take(limit).ToList() : images));
                }
                return EstimateBench.Run(console, modelPath, dev, precision, estimateFolders, new Engine.Sizing.DiameterReuseOptions());
            }
            if (r.GetResult(estimateLimit) is { Implicit: false }) throw new UsageException("--estimate-images limits --estimate: give --estimate FOLDER too");
            var parityFolders = new List<(string Folder, IReadOnlyList<string> Images)>();
            foreach (string d in r.GetValue(parity) ?? [])
            {
                if (!Directory.Exists(d)) throw new UsageException($"--parity '{d}': folder not found");
                parityFolders.Add((d, InputFiles.Expand([d])));
            }
            if (r.GetValue(parityDiameter) is < 0 or double.NaN) throw new UsageException($"--parity-diameter {r.GetValue(parityDiameter)} must be >= 0");
            int code = Run(console, modelPath, dev, precision, sizeList, modeList, rep, r.GetValue(diameter));
            return parityFolders.Count == 0 ? code : Parity(console, modelPath, dev, precision, parityFolders, r.GetValue(parityDiameter));
        });
        return cmd;
    }

    private static string? ReferenceFolder()
    {
        var starts = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory };
        foreach (string start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "..", "shared", "reference", "cellpose-v2");
                if (File.Exists(Path.Combine(dir.FullName, "AcqSeg.sln")) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        return null;
    }

    /// <summary>The reference frame of this size (../shared/reference/cellpose-v2/synth_SIZE.tif) when there is one.</summary>
    internal static string? ReferenceFrame(int size) =>
        ReferenceFolder() is { } folder && File.Exists(Path.Combine(folder, $"synth_{size}.tif")) ? Path.Combine(folder, $"synth_{size}.tif") : null;

    private static string ResolveModel(string? model)
    {
        if (model is not null) return ModelLocator.Resolve(model);
        string? reference = ReferenceFolder();
        string? weights = reference is null ? null : Path.Combine(reference, "cpnet_synth_e40.pth");
        if (weights is not null && File.Exists(weights)) return weights;
        throw new UsageException("--model not given and ../shared/reference/cellpose-v2/cpnet_synth_e40.pth not found beside the repository; pass --model");
    }

    private sealed record Row(string Frame, int Size, string Mode, int Objects, StageTimings T, double GFlop, int CellposeTiles,
        double PeakGiB, double? Ap50VsExact);

    private static int Run(CliConsole console, string modelPath, DeviceChoice device, NetworkPrecision precision, List<int> sizes,
        List<string> modes, int repeats, double diameter)
    {
        using var model = CellposeModel.Load(modelPath, device);
        var segmenter = new FrameSegmenter(model);
        var o = console.Out;
        o.WriteLine($"model {modelPath} (widths [{string.Join(",", model.Network.Widths)}]), device {model.Device.type}, " +
                    $"fast path precision {precision.Resolve(model.Device)}, {Environment.ProcessorCount} logical CPUs, " +
                    $"torch threads {TorchSharp.torch.get_num_threads()}, repeats {repeats}, diameter {diameter.ToString(CultureInfo.InvariantCulture)}");
        o.WriteLine($"machine: {MachineInfo.Describe()}");
        var rows = new List<Row>();
        string tmp = Path.Combine(Path.GetTempPath(), $"acqseg-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(tmp);
        try
        {
            foreach (int size in sizes)
            {
                string input = Path.Combine(tmp, $"bench_{size}.tif");
                string? refFrame = ReferenceFrame(size);
                string frameName;
                if (refFrame is not null)
                {
                    File.Copy(refFrame, input, overwrite: true);
                    frameName = Path.GetFileName(refFrame);
                }
                else
                {
                    var frame = SyntheticFrames.Generate(new SynthSettings
                    {
                        Style = SynthStyle.Nuclei, Height = size, Width = size, Diameter = diameter, Density = 0.12, Seed = size, BitDepth = 16,
                    });
                    TiffWriter.WriteImage(input, frame.Image, 16);
                    frameName = $"synthetic {size}x{size} uint16";
                }
                GC.Collect();
                LabelImage? exactMasks = null;
                foreach (string mode in modes)
                {
                    var settings = new SegmentSettings { Diameter = diameter, Fast = mode == "fast", Precision = precision };
                    // Warm-up: first-call allocations, oneDNN kernel selection, the fast network's build. Skipped for
                    // very large frames, where one run dwarfs those costs.
                    if (size <= 4096) RunOnce(segmenter, input, settings, tmp);
                    PeakMemory.Reset();
                    var samples = new List<(StageTimings T, LabelImage Masks)>();
                    for (int k = 0; k < repeats; k++) samples.Add(RunOnce(segmenter, input, settings, tmp));
                    double peak = PeakMemory.GiB();
                    var masks = samples[^1].Masks;
                    if (mode == "exact") exactMasks = masks;
                    double? ap = mode == "fast" && exactMasks is not null
                        ? SegmentationMetrics.AveragePrecision(exactMasks, masks)
                        : null;
                    var t = Median(samples.Select(s => s.T).ToList());
                    var (gflop, tiles) = Work(model, size, diameter, settings);
                    rows.Add(new Row(frameName, size, mode, masks.CountObjects(), t, gflop, tiles, peak, ap));
                    samples.Clear();
                    GC.Collect();
                }
            }
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
        o.WriteLine("| frame | path | objects | read s | normalise s | network s | dynamics s | flow QC s | write s | total s | GFLOP run | GFLOP/s actual | GFLOP/s effective | peak GiB | AP@0.5 vs exact |");
        o.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var inv = CultureInfo.InvariantCulture;
        foreach (var r in rows)
        {
            var t = r.T;
            double effective = r.CellposeTiles * NetworkFlops.PerCellposeTile(model.Network.Widths) / 1e9 / t.Network;
            o.WriteLine(string.Create(inv,
                $"| {r.Frame} | {r.Mode} | {r.Objects} | {t.Read:0.000} | {t.Normalize:0.000} | {t.Network:0.000} | {t.Dynamics:0.000} | {t.FlowQc:0.000} | {t.Write:0.000} | {t.Total:0.000} | {r.GFlop:0.0} | {r.GFlop / t.Network:0} | {effective:0} | {r.PeakGiB:0.00} | {(r.Ap50VsExact is double a ? a.ToString("0.000", inv) : "-")} |"));
        }
        return CliApp.Ok;
    }

    /// <summary>Fast vs exact masks (AP@0.5, exact as truth) on every image of the folders.</summary>
    private static int Parity(CliConsole console, string modelPath, DeviceChoice device, NetworkPrecision precision, List<(string Folder, IReadOnlyList<string> Images)> folders, double diameter)
    {
        using var model = CellposeModel.Load(modelPath, device);
        var segmenter = new FrameSegmenter(model);
        var o = console.Out;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine("| folder | images | objects (exact) | mean AP@0.5 fast vs exact | lowest |");
        o.WriteLine("|---|---|---|---|---|");
        var all = new List<double>();
        foreach (var (dir, images) in folders)
        {
            var aps = new List<double>();
            int objects = 0;
            foreach (string file in images)
            {
                var image = TiffReader.Read(file);
                double d = diameter > 0 ? diameter : TrainingData.MasksDiameterFor(file) ?? model.DiamLabels;
                var exact = segmenter.Segment(image, new SegmentSettings { Diameter = d }).Masks;
                var fast = segmenter.Segment(image, new SegmentSettings { Diameter = d, Fast = true, Precision = precision }).Masks;
                objects += exact.CountObjects();
                aps.Add(SegmentationMetrics.AveragePrecision(exact, fast));
            }
            all.AddRange(aps);
            o.WriteLine(string.Create(inv, $"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))} | {aps.Count} | {objects} | {aps.Average():0.0000} | {aps.Min():0.0000} |"));
        }
        o.WriteLine(string.Create(inv, $"| all | {all.Count} | | {all.Average():0.0000} | {all.Min():0.0000} |"));
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

    /// <summary>Convolution GFLOP this path ran, and the number of tiles Cellpose's exact tiling has for the frame; with
    /// <paramref name="tiling"/>, the tiles this path ran and their side.</summary>
    internal static (double GFlop, int CellposeTiles) Work(CellposeModel model, int size, double diameter, SegmentSettings s) =>
        Work(model, size, diameter, s, out _);

    internal static (double GFlop, int CellposeTiles) Work(CellposeModel model, int size, double diameter, SegmentSettings s, out (int Count, int Side) tiling)
    {
        int scaled = BilinearResize.ScaledLength(size, model.DiamMean / diameter);
        var (before, after) = ImagePadding.Margins(scaled);
        int padded = scaled + before + after;
        var widths = model.Network.Widths;
        int per = Tiling.TileLength(padded);
        int n = Tiling.Starts(padded).Length;
        int cellposeTiles = n * n;
        tiling = (cellposeTiles, per);
        if (!s.Fast) return (cellposeTiles * NetworkFlops.Count(per, per, widths) / 1e9, cellposeTiles);
        var defaults = new EvalSettings();
        var (starts, tile) = FastTiling.Plan(padded, defaults.FastTileSize, defaults.FastTileOverlap);
        tiling = (starts.Length * starts.Length, tile);
        return (starts.Length * starts.Length * NetworkFlops.Count(tile, tile, widths) / 1e9, cellposeTiles);
    }

    private static StageTimings Median(List<StageTimings> samples)
    {
        double M(Func<StageTimings, double> f)
        {
            var v = samples.Select(f).Order().ToArray();
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        }
        return new StageTimings
        {
            Read = M(t => t.Read), Normalize = M(t => t.Normalize), Network = M(t => t.Network), Dynamics = M(t => t.Dynamics),
            FlowQc = M(t => t.FlowQc), SizeEstimate = M(t => t.SizeEstimate), Write = M(t => t.Write), Total = M(t => t.Total),
        };
    }
}
