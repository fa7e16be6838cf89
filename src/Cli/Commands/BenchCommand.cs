using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AcqSeg.Cli.Diagnostics;
using AcqSeg.Cli.Fleet;
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
        var modes = new Option<string>("--modes")
        {
            Description = "Paths to time, comma-separated: exact, fast (the fast network on Cellpose's 224-pixel tiles, the default path) and large (the fast network on large tiles)",
            DefaultValueFactory = _ => "exact,fast,large",
        };
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
            Description = "Instead: seconds per frame of N synthetic frames through the embedded service (acqseg run) vs bare acqseg segment " +
                          "(with --workers: frames/s of N frames through separate worker processes)",
        };
        var serviceSize = new Option<int>("--service-size") { Description = "Frame size for --service and --events", DefaultValueFactory = _ => 512 };
        var exactOnly = new Option<bool>("--exact") { Description = "With --service or --events: run the exact path instead of the fast one" };
        var events = new Option<int>("--events")
        {
            Description = "Instead: N frames appear in a watched folder of the embedded service at --events-interval; latency from file complete to " +
                          "the event received on GET /api/events (p50, p95, max), and its parts",
        };
        var eventsInterval = new Option<double>("--events-interval") { Description = "With --events: seconds between frames", DefaultValueFactory = _ => 1.0 };
        var eventsStable = new Option<int>("--events-stable-ms")
        {
            Description = "With --events: the watcher's stability wait (Watcher:StableMilliseconds); frames are renamed into place, complete at once",
            DefaultValueFactory = _ => 200,
        };
        var duringTraining = new Option<bool>("--during-training")
        {
            Description = "With --service: segmentation latency (mean, p95) of the N frames fed one at a time, with no training, while the train worker fine-tunes the model with its share of the cores, and with the share off; and the training's epochs/s",
        };
        var workers = new Option<string>("--workers")
        {
            Description = "With --service: instead of the embedded service, 1 watcher and N segment worker processes (one thread each) on RabbitMQ and " +
                          "PostgreSQL for each N of this comma-separated list (e.g. 1,2): frames/s, speed-up against 1 worker, and per frame the network's " +
                          "seconds and the rest (other stages, bus, database)",
        };
        var bus = new Option<string>("--bus")
        {
            Description = "With --workers: RabbitMQ as rabbitmq://user:pass@host:port/ (each N gets its own virtual host, made with rabbitmqctl); " +
                          "default: the one ops/services.sh starts (ACQSEG_RABBITMQ)",
            DefaultValueFactory = _ => ServerAccess.LocalBus,
        };
        var db = new Option<string>("--db")
        {
            Description = "With --workers: PostgreSQL connection of a user who may CREATEDB (each N gets its own database); " +
                          "default: the one ops/services.sh starts (ACQSEG_POSTGRES)",
            DefaultValueFactory = _ => ServerAccess.LocalDatabase,
        };
        var node = new Option<string>("--rabbitmq-node") { Description = "With --workers: the node rabbitmqctl drives", DefaultValueFactory = _ => ServerAccess.LocalRabbitMqNode };
        var estimate = new Option<string[]>("--estimate")
        {
            Description = "Instead: --diameter 0 on every image of these folders with the size model on each image and with one estimate per folder " +
                          "reused (segment --estimate-once); per image and folder: estimate and total seconds, the estimate's share, AP@0.5 against NAME_masks.tif",
            AllowMultipleArgumentsPerToken = true,
        };
        var estimateLimit = new Option<int>("--estimate-images") { Description = "With --estimate: at most this many images per folder (0 = all)" };
        var ui = new Option<bool>("--ui")
        {
            Description = "Instead: the review editor in headless Chromium on one synthetic frame served by the embedded service: time to first paint, " +
                          "bytes on the wire, an edit's input-to-painted-frame time (delete, undo, brush), draw times while panning, the first switch to " +
                          "the flows and cell-probability views (with --model: the frame segmented by that model, else its own masks)",
        };
        var uiSize = new Option<int>("--ui-size") { Description = "With --ui: the frame's side in pixels", DefaultValueFactory = _ => 2048 };
        var uiLoads = new Option<int>("--ui-loads") { Description = "With --ui: how many times the editor is opened (time to first paint each time)", DefaultValueFactory = _ => 3 };
        var chromium = new Option<string>("--chromium") { Description = "With --ui: the browser", DefaultValueFactory = _ => "/usr/bin/chromium" };
        var screenshots = new Option<string?>("--screenshots") { Description = "With --ui: also save the editor's image, flows and cell-probability views as PNGs in this folder" };
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
            workers, bus, db, node, estimate, estimateLimit, ui, uiSize, uiLoads, chromium, screenshots, events, eventsInterval, eventsStable, batch, batchFrames,
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
            if (modeList.Count == 0 || modeList.Any(m => m is not ("exact" or "fast" or "large")))
                throw new UsageException($"--modes '{r.GetValue(modes)}': use one or more of exact, fast, large (e.g. exact,fast,large)");
            if (r.GetValue(ui))
            {
                int side = r.GetValue(uiSize), loads = r.GetValue(uiLoads);
                if (side is < 256 or > 8192) throw new UsageException($"--ui-size {side} must be 256-8192");
                if (loads is < 1 or > 50) throw new UsageException($"--ui-loads {loads} must be 1-50");
                string? uiModel = r.GetValue(model) is { } named ? ModelLocator.Resolve(named) : null;
                return UiBench.Run(console, new UiBench.Settings(r.GetValue(chromium)!, side, loads, uiModel, r.GetValue(screenshots)));
            }
            foreach (var uiOnly in new Option[] { uiSize, uiLoads, chromium, screenshots })
            {
                if (r.GetResult(uiOnly) is { Implicit: false }) throw new UsageException($"{uiOnly.Name} belongs to --ui: give --ui too");
            }
            int rep = r.GetValue(repeats);
            if (rep < 1) throw new UsageException($"--repeats {rep} must be >= 1");
            int eventFrames = r.GetValue(events);
            if (eventFrames != 0)
            {
                if (eventFrames is < 3 or > 1000) throw new UsageException($"--events {eventFrames}: use 3 to 1000 frames");
                int side = r.GetValue(serviceSize);
                if (side is < 64 or > 8192) throw new UsageException($"--service-size {side} must be 64-8192");
                double interval = r.GetValue(eventsInterval);
                if (interval is not (>= 0.05 and <= 60)) throw new UsageException($"--events-interval {interval} must be 0.05-60 seconds");
                int stable = r.GetValue(eventsStable);
                if (stable is < 0 or > 60_000) throw new UsageException($"--events-stable-ms {stable} must be 0-60000");
                return EventsBench.Run(console, ResolveModel(r.GetValue(model)), eventFrames, side, r.GetValue(exactOnly), interval, stable);
            }
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
            int serviceFrames = r.GetValue(service);
            var workerCounts = WorkerCounts(r, workers, serviceFrames, r.GetValue(duringTraining), [bus, db, node]);
            var access = workerCounts is null ? null
                : ServerAccess.Parse(r.GetValue(bus)!, r.GetValue(db)!, r.GetValue(node)!, "the workers bench runs separate processes on one broker");
            string modelPath = ResolveModel(r.GetValue(model));
            if (serviceFrames != 0)
            {
                if (serviceFrames is < 3 or > 1000) throw new UsageException($"--service {serviceFrames}: use 3 to 1000 frames");
                int side = r.GetValue(serviceSize);
                if (side is < 64 or > 8192) throw new UsageException($"--service-size {side} must be 64-8192");
                if (workerCounts is not null && access is not null)
                {
                    var bench = new WorkersBench(new WorkersBenchSettings(access, modelPath, workerCounts, serviceFrames, side, r.GetValue(exactOnly)), console);
                    try
                    {
                        return bench.RunAsync().GetAwaiter().GetResult();
                    }
                    catch (FleetException ex)
                    {
                        console.Error.WriteLine($"acqseg bench: {ex.Message}");
                        return CliApp.UsageError;
                    }
                }
                if (r.GetValue(duringTraining)) return TrainingShareBench.Run(console, modelPath, serviceFrames, side, r.GetValue(exactOnly));
                return ServiceBench.Run(console, modelPath, serviceFrames, side, r.GetValue(exactOnly));
            }
            if (r.GetValue(duringTraining)) throw new UsageException("--during-training measures the service: give --service N too");
            DeviceChoice dev;
            try { dev = DeviceChoice.Parse(r.GetValue(device)!); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            var precision = path.ReadPrecision(r);
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

    /// <summary>
    /// --workers as a sorted list of worker counts, or null when it is not given (then --bus, --db and --rabbitmq-node,
    /// which only it uses, must not be given either). Each count needs N + 2 frames at least: throughput is counted from
    /// the N-th completion on.
    /// </summary>
    private static List<int>? WorkerCounts(ParseResult r, Option<string> workers, int serviceFrames, bool duringTraining, Option[] serverOptions)
    {
        if (r.GetValue(workers) is not { } value)
        {
            foreach (var o in serverOptions)
            {
                if (r.GetResult(o) is { Implicit: false }) throw new UsageException($"{o.Name} names a server for --workers: give --service N --workers 1,2 too, or leave {o.Name} out");
            }
            return null;
        }
        var counts = new List<int>();
        foreach (string s in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 64)
                throw new UsageException($"--workers '{value}': '{s}' is not a number of worker processes from 1 to 64; give a list such as 1,2");
            if (counts.Contains(n)) throw new UsageException($"--workers '{value}' names {n} twice; give each number of workers once");
            counts.Add(n);
        }
        if (counts.Count == 0) throw new UsageException("--workers is empty; give a comma-separated list of worker counts such as 1,2");
        if (serviceFrames == 0) throw new UsageException("--workers measures the service: give --service N (frames per run) too");
        if (duringTraining) throw new UsageException("--workers and --during-training are two different service benchmarks; give one of them");
        if (serviceFrames < counts.Max() + 2)
            throw new UsageException($"--service {serviceFrames} is too few frames for --workers {value}: give at least {counts.Max() + 2} (the most workers + 2; " +
                                     "throughput is counted from the moment every worker has finished a frame)");
        counts.Sort();
        return counts;
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
                    $"fast path precision {model.ResolvePrecision(precision)}, {Environment.ProcessorCount} logical CPUs, " +
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
                    var settings = new SegmentSettings
                    {
                        Diameter = diameter, Fast = mode != "exact", Precision = precision, FastTiles = mode == "large" ? FastTiles.Large : FastTiles.Cellpose,
                    };
                    // Warm-up: first-call allocations, oneDNN kernel selection, the fast network's build. Skipped for
                    // very large frames, where one run dwarfs those costs.
                    if (size <= 4096) RunOnce(segmenter, input, settings, tmp);
                    PeakMemory.Reset();
                    var samples = new List<(StageTimings T, LabelImage Masks)>();
                    for (int k = 0; k < repeats; k++) samples.Add(RunOnce(segmenter, input, settings, tmp));
                    double peak = PeakMemory.GiB();
                    var masks = samples[^1].Masks;
                    if (mode == "exact") exactMasks = masks;
                    double? ap = mode != "exact" && exactMasks is not null
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
    /// <summary>Issue 23: the fast path's masks against the exact path's, on every real evaluation image.</summary>
    private const double ParityGoal = 0.99;

    private static int Parity(CliConsole console, string modelPath, DeviceChoice device, NetworkPrecision precision, List<(string Folder, IReadOnlyList<string> Images)> folders, double diameter)
    {
        using var model = CellposeModel.Load(modelPath, device);
        var segmenter = new FrameSegmenter(model);
        var o = console.Out;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"fast path precision {model.ResolvePrecision(precision)}{(precision == NetworkPrecision.Auto ? $" (auto: {model.Bf16.Reason})" : "")}; " +
                    "AP@0.5 of the fast path's masks against the exact path's, per layout of its tiles");
        o.WriteLine("| folder | images | objects (exact) | fast, Cellpose's tiles: mean | lowest | fast, large tiles: mean | lowest |");
        o.WriteLine("|---|---|---|---|---|---|---|");
        var all = new List<(double Cellpose, double Large)>();
        foreach (var (dir, images) in folders)
        {
            var aps = new List<(double Cellpose, double Large)>();
            int objects = 0;
            foreach (string file in images)
            {
                var image = TiffReader.Read(file);
                double d = diameter > 0 ? diameter : TrainingData.MasksDiameterFor(file) ?? model.DiamLabels;
                var exact = segmenter.Segment(image, new SegmentSettings { Diameter = d }).Masks;
                double Ap(FastTiles tiles) => SegmentationMetrics.AveragePrecision(exact,
                    segmenter.Segment(image, new SegmentSettings { Diameter = d, Fast = true, Precision = precision, FastTiles = tiles }).Masks);
                objects += exact.CountObjects();
                aps.Add((Ap(FastTiles.Cellpose), Ap(FastTiles.Large)));
            }
            all.AddRange(aps);
            o.WriteLine(Line(Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)), aps, objects.ToString(inv)));
        }
        o.WriteLine(Line("all", all, ""));
        double lowest = all.Min(a => a.Cellpose);
        o.WriteLine(lowest >= ParityGoal
            ? string.Create(inv, $"the default fast path (Cellpose's tiles) reaches AP@0.5 >= {ParityGoal} against exact on every image (lowest {lowest:0.0000})")
            : string.Create(inv, $"the default fast path (Cellpose's tiles) falls below {ParityGoal} against exact on some images (lowest {lowest:0.0000}): give --exact where masks must match Cellpose's"));
        return CliApp.Ok;

        string Line(string name, List<(double Cellpose, double Large)> v, string objectCount) => string.Create(inv,
            $"| {name} | {v.Count} | {objectCount} | {v.Average(a => a.Cellpose):0.0000} | {v.Min(a => a.Cellpose):0.0000} | {v.Average(a => a.Large):0.0000} | {v.Min(a => a.Large):0.0000} |");
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
        if (!s.Fast || s.FastTiles == FastTiles.Cellpose) return (cellposeTiles * NetworkFlops.Count(per, per, widths) / 1e9, cellposeTiles);
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
