using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Models.Zoo;
using TorchSharp;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg train --dir DIR [...] --name NAME`: trains (from scratch or fine-tuned from a model) with Cellpose's loop,
/// writing into models/NAME/ (or --out): model.pth at the end, training/loss.csv + loss.png, training/run.json and a
/// resumable checkpoint (training/checkpoint/). Running the same command again resumes from the checkpoint.
/// </summary>
public static class TrainCommand
{
    public static Command Create(CliConsole console)
    {
        var dirs = new Option<string[]>("--dir") { Description = "Folder(s) of images with masks (X.tif + X_masks.tif, or NAME_img.tif + NAME_masks.tif)", AllowMultipleArgumentsPerToken = true };
        var maskSuffix = new Option<string>("--mask-suffix") { Description = "Suffix of mask files", DefaultValueFactory = _ => "_masks" };
        var pretrained = new Option<string>("--pretrained") { Description = "Start from a zoo model or .pth, or 'none' (from scratch)", DefaultValueFactory = _ => "none" };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default: the schedule's)" };
        var schedule = new Option<string>("--schedule") { Description = "offline (lr 0.2, wd 1e-5, 500 epochs, annealed) or online (lr 0.1, wd 1e-4, 100 epochs)", DefaultValueFactory = _ => "offline" };
        var lr = new Option<double?>("--lr") { Description = "Learning rate (overrides the schedule's)" };
        var wd = new Option<double?>("--weight-decay") { Description = "Weight decay (overrides the schedule's)" };
        var batch = new Option<int>("--batch-size") { Description = "Crops per step", DefaultValueFactory = _ => 8 };
        var minMasks = new Option<int?>("--min-train-masks") { Description = "Leave out images with fewer objects (default: the schedule's, 5 offline / 1 online)" };
        var perEpoch = new Option<int?>("--images-per-epoch") { Description = "Images per epoch (Cellpose's nimg_per_epoch): a random subset each epoch when fewer than the set; default the whole set, at least 8" };
        var chan = new Option<int>("--chan") { Description = "Channel to segment in the --dir images: 0 gray, 1-3 R/G/B (synthetic frames bring their own)" };
        var chan2 = new Option<int>("--chan2") { Description = "Nuclear channel in the --dir images: 0 none, 1-3 R/G/B" };
        var testDir = new Option<string?>("--test-dir") { Description = "Folder scored (loss, AP@0.5) during training" };
        var testEvery = new Option<int>("--test-every") { Description = "Score the test folder every N epochs", DefaultValueFactory = _ => 10 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write a resumable checkpoint every N epochs", DefaultValueFactory = _ => 5 };
        var name = new Option<string>("--name") { Description = "Model name (zoo folder name)", Required = true };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: the zoo's models/NAME)" };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same data: same weights)" };
        var widths = new Option<string>("--widths")
        {
            Description = "Network widths when training from scratch; with --pretrained, wider widths (multiples of its own) widen it first, keeping what it computes",
            DefaultValueFactory = _ => "2,32,64,128,256",
        };
        var diamMean = new Option<double>("--diam-mean") { Description = "Object diameter images are rescaled to: 30 from scratch; with --pretrained, the pretrained network's unless given", DefaultValueFactory = _ => 30.0 };
        var synthStyle = new Option<string?>("--synth-style") { Description = "Add synthetic frames of these styles (comma-separated): nuclei, cyto, phase, brightfield" };
        var synthCount = new Option<int>("--synth-count") { Description = "Number of synthetic frames to add per style", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var normCrops = new Option<int>("--norm-crops")
        {
            Description = "Augmented crops the BatchNorm statistics are recomputed over with the final weights (0 = keep the running averages, as Cellpose)",
            DefaultValueFactory = _ => 64,
        };
        var maxGamma = new Option<double>("--gamma-augment")
        {
            Description = "Intensity augmentation (not in Cellpose): each crop's normalised image raised to a power drawn log-uniformly in [1/G, G]; 1 = off",
            DefaultValueFactory = _ => 1.0,
        };
        var licence = new Option<string[]>("--licence", "--license")
        {
            Description = "Licence of the training data: ID for every --dir whose README states none, or DIR=ID for one folder (e.g. CC-BY-NC-SA-4.0); read from the data's README.md otherwise",
            AllowMultipleArgumentsPerToken = true,
        };
        var stopAfter = new Option<int?>("--stop-after-epoch") { Description = "End this run after epoch N and register the model as it is; the same command without it resumes to the schedule's end" };

        var cmd = new Command("train", "Train or fine-tune a model (Cellpose's training loop)")
        {
            dirs, maskSuffix, pretrained, epochs, schedule, lr, wd, batch, minMasks, perEpoch, chan, chan2, testDir, testEvery, checkpointEvery,
            name, outDir, seed, widths, diamMean, synthStyle, synthCount, device, stopAfter, normCrops, maxGamma, licence,
        };
        cmd.SetAction((r, cancel) =>
        {
            if (!(r.GetValue(diamMean) is > 0 and < double.PositiveInfinity))
                throw new UsageException($"--diam-mean {r.GetValue(diamMean)}: give the object diameter in pixels that images are rescaled to (Cellpose: 30, nuclei 17)");
            TrainSchedule s;
            try { s = TrainSchedule.Named(r.GetValue(schedule)!); }
            catch (ArgumentException ex) { throw new UsageException($"--schedule: {ex.Message}"); }
            s = s with
            {
                Epochs = r.GetValue(epochs) ?? s.Epochs,
                LearningRate = r.GetValue(lr) ?? s.LearningRate,
                WeightDecay = r.GetValue(wd) ?? s.WeightDecay,
                BatchSize = r.GetValue(batch),
                MinTrainMasks = r.GetValue(minMasks) ?? s.MinTrainMasks,
                ImagesPerEpoch = r.GetValue(perEpoch) ?? s.ImagesPerEpoch,
            };
            try { s.Validate(); }
            catch (ArgumentOutOfRangeException ex) { throw new UsageException(ex.Message.Split(" (Parameter")[0]); }
            var folders = r.GetValue(dirs) ?? [];
            int nSynth = r.GetValue(synthCount);
            string? style = r.GetValue(synthStyle);
            if (folders.Length == 0 && nSynth == 0) throw new UsageException("give --dir with training images (or --synth-style with --synth-count)");
            foreach (string d in folders) if (!Directory.Exists(d)) throw new UsageException($"--dir '{d}' is not a folder");
            foreach (string d in folders.Distinct())
                if (TrainingData.FindPairs(d, r.GetValue(maskSuffix)!).Count == 0)
                    throw new UsageException($"--dir '{d}' holds no image/mask pairs (NAME_img.tif + NAME{r.GetValue(maskSuffix)}.tif, or X.tif + X{r.GetValue(maskSuffix)}.tif): give a folder of images with their masks");
            var licences = TrainingLicences.Resolve(folders, r.GetValue(licence) ?? [], console.Error);
            if (nSynth < 0) throw new UsageException($"--synth-count {nSynth} must be >= 0");
            var synth = new List<SynthStyle>();
            if (nSynth > 0)
            {
                foreach (string part in (style ?? "").Split(',', StringSplitOptions.TrimEntries))
                {
                    if (!SynthStyleNames.ByName.TryGetValue(part, out var st))
                        throw new UsageException($"--synth-style '{style}': use {string.Join(", ", SynthStyleNames.ByName.Keys)} (comma-separated for several)");
                    if (synth.Contains(st)) throw new UsageException($"--synth-style '{style}' names {part} twice");
                    synth.Add(st);
                }
            }
            int? stop = r.GetValue(stopAfter);
            int norms = r.GetValue(normCrops);
            if (norms < 0) throw new UsageException($"--norm-crops {norms} must be >= 0");
            double gamma = r.GetValue(maxGamma);
            if (!(gamma >= 1 && gamma <= 10)) throw new UsageException($"--gamma-augment {gamma.ToString(CultureInfo.InvariantCulture)} must be between 1 (off) and 10, e.g. 2 for exponents in [0.5, 2]");
            if (stop is < 1) throw new UsageException($"--stop-after-epoch {stop} must be >= 1");
            string? test = r.GetValue(testDir);
            if (test is not null && !Directory.Exists(test)) throw new UsageException($"--test-dir '{test}' is not a folder");
            string modelName = r.GetValue(name)!;
            if (modelName.Length == 0 || modelName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || modelName.Contains('/'))
                throw new UsageException($"--name '{modelName}' must be a plain folder name");
            string output = r.GetValue(outDir) ?? Path.Combine(ModelLocator.ZooRoot() ?? ModelLocator.DefaultZooRoot(), modelName);
            DeviceChoice dev;
            try { dev = DeviceChoice.Parse(r.GetValue(device)!); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            var job = new TrainJob(modelName, folders, r.GetValue(maskSuffix)!, r.GetValue(pretrained)!, s, r.GetValue(chan), r.GetValue(chan2),
                test, r.GetValue(testEvery), r.GetValue(checkpointEvery), output, r.GetValue(seed), ParseWidths(r.GetValue(widths)!),
                r.GetResult(widths) is { Implicit: false }, r.GetValue(diamMean), r.GetResult(diamMean) is { Implicit: false }, synth, nSynth, dev, stop, norms, gamma, licences);
            return Task.FromResult(Run(console, job, cancel));
        });
        return cmd;
    }

    private sealed record TrainJob(string Name, string[] Dirs, string MaskSuffix, string Pretrained, TrainSchedule Schedule, int Chan, int Chan2,
        string? TestDir, int TestEvery, int CheckpointEvery, string Output, int Seed, int[] Widths, bool WidthsGiven, double DiamMean, bool DiamMeanGiven, IReadOnlyList<SynthStyle> Synth,
        int SynthCount, DeviceChoice Device, int? StopAfterEpoch, int NormCrops, double MaxGamma, IReadOnlyList<DataLicence> Licences);

    /// <summary>Symmetry-breaking noise of a widened network, relative to each weight tensor's spread.</summary>
    private const double WideningNoise = 0.01;

    private static int[] ParseWidths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 5 || !parts.All(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0))
            throw new UsageException($"--widths '{text}': give 5 positive integers, e.g. 2,32,64,128,256");
        var w = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (w[0] != 2) throw new UsageException($"--widths '{text}': the first width is the 2 input channels");
        return w;
    }

    private static int Run(CliConsole console, TrainJob job, CancellationToken cancel)
    {
        var o = console.Out;
        TrainingCpu.LimitOneDnn(o);
        var device = job.Device.Resolve();
        string training = Path.Combine(job.Output, "training");
        string ckptDir = Path.Combine(training, "checkpoint");
        Directory.CreateDirectory(training);

        var load = Stopwatch.StartNew();
        var pairs = job.Dirs.SelectMany(d => TrainingData.FindPairs(d, job.MaskSuffix)).ToList();
        if (job.Dirs.Length > 0 && pairs.Count == 0)
            throw new UsageException($"no image/mask pairs (*{job.MaskSuffix}.tif) in {string.Join(", ", job.Dirs)}");
        var samples = TrainingData.Load(pairs, job.Chan, job.Chan2).ToList();
        int synthTotal = job.Synth.Count * job.SynthCount;
        if (synthTotal > 0)
        {
            // Frame i of the k-th style is frame k * count + i: the first style's frames are those a one-style run makes.
            var synth = new TrainingSample[synthTotal];
            Parallel.For(0, synthTotal, i => synth[i] = SynthSample(job.Synth[i / job.SynthCount], job.Seed, i));
            samples.AddRange(synth);
        }
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{samples.Count} training images ({pairs.Count} from folders, {synthTotal} synthetic), {samples.Sum(s => s.Objects)} objects, loaded in {load.Elapsed.TotalSeconds:0.0} s"));

        if (device.type == DeviceType.CPU && torch.get_num_threads() > 1 && !TrainingThreads.BackwardIsConsistent())
            o.WriteLine($"this CPU's multi-threaded convolution backward gave different gradients on repeated runs; training uses 1 thread instead of {torch.get_num_threads()} (see DEVELOPERS.md)");

        var info = TrainingCheckpoint.TryRead(ckptDir);
        CellposeNet net;
        int[]? widenedFrom = null;
        int startEpoch = 0;
        if (info is not null && info.Schedule == job.Schedule.Name && info.Seed == job.Seed && info.NextEpoch < job.Schedule.Epochs
            && job.Schedule.ContinuesFrom(job.Schedule with { Epochs = info.Epochs }, info.NextEpoch))
        {
            if (info.Epochs != job.Schedule.Epochs)
                o.WriteLine($"checkpoint was written by a {info.Epochs}-epoch run; its {info.NextEpoch} epochs had the same learning rates under {job.Schedule.Epochs}");
            net = CellposeWeights.LoadNetwork(Path.Combine(ckptDir, TrainingCheckpoint.NetworkFile));
            startEpoch = info.NextEpoch;
            widenedFrom = info.WidenedFrom;
            o.WriteLine($"resuming from {ckptDir} at epoch {startEpoch}");
        }
        else if (job.Pretrained.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            net = CellposeNet.Seeded(job.Seed, job.Widths, job.DiamMean);
            TrainRegistration.RecordParent(job.Output, null);
        }
        else
        {
            string path = ModelLocator.Resolve(job.Pretrained);
            net = CellposeWeights.LoadNetwork(path);
            o.WriteLine($"fine-tuning from {path} (diam_mean {net.DiamMean:0.##})");
            if (job.WidthsGiven && !net.Widths.SequenceEqual(job.Widths))
            {
                var narrow = net;
                widenedFrom = narrow.Widths.ToArray();
                try { net = NetworkWidening.Widen(narrow, job.Widths, WideningNoise, job.Seed); }
                catch (ArgumentException ex) { throw new UsageException($"--widths {string.Join(",", job.Widths)} with --pretrained {job.Pretrained}: {ex.Message}"); }
                finally { narrow.Dispose(); }
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"widened from [{string.Join(", ", widenedFrom)}] to [{string.Join(", ", net.Widths)}]: the same outputs up to noise of {WideningNoise} of each weight's spread, which lets the copies of a channel part"));
            }
            if (job.DiamMeanGiven && Math.Abs(job.DiamMean - net.DiamMean) > 1e-6)
            {
                // Cellpose keeps a pretrained model's diam_mean; here it may change, e.g. whole cells of ~48 px fine-tuned
                // from a 17 px nuclei network are shrunk less. The version records the new value, and inference uses it.
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"diam_mean {net.DiamMean:0.##} -> {job.DiamMean:0.##}: objects are rescaled to {job.DiamMean:0.##} px"));
                net.SetDiamMean(job.DiamMean);
            }
            TrainRegistration.RecordParent(job.Output, job.Pretrained);
        }

        using (net)
        {
            net.to(device);
            var trainer = new CellposeTrainer(net, device, new TrainOptions
            {
                Schedule = job.Schedule, Seed = job.Seed, CheckpointEvery = job.CheckpointEvery, TestEvery = job.TestEvery,
                StopAfterEpoch = job.StopAfterEpoch, NormCrops = job.NormCrops, MaxGamma = job.MaxGamma,
            });
            int endEpoch = CellposeTrainer.StopEpoch(job.Schedule, job.StopAfterEpoch);
            if (startEpoch >= endEpoch)
                o.WriteLine($"the checkpoint is already at epoch {startEpoch}: registering it without further training");
            int kept = trainer.Filter(samples).Count;
            if (kept < samples.Count) o.WriteLine($"{samples.Count - kept} images with fewer than {job.Schedule.MinTrainMasks} masks left out");

            var test = job.TestDir is null ? null : TrainingData.FindPairs(job.TestDir, job.MaskSuffix);
            var testCrops = test is { Count: > 0 } ? FixedCrops(TrainingData.Load(test, job.Chan, job.Chan2), net.DiamMean) : null;
            var curve = startEpoch > 0 ? LossCurve.Load(Path.Combine(training, "loss.csv")) : new LossCurve();
            var wall = Stopwatch.StartNew();
            double imagesSeen = 0;
            trainer.Train(samples, startEpoch, cancel,
                onEpoch: rep =>
                {
                    curve.Add(rep);
                    imagesSeen += rep.ImagesPerSecond * rep.Seconds;
                    var inv = CultureInfo.InvariantCulture;
                    string t = rep.TestAp50 is { } ap ? string.Create(inv, $" test loss {rep.TestLoss:0.0000} AP@0.5 {ap:0.000}") : "";
                    o.WriteLine(string.Create(inv,
                        $"epoch {rep.Epoch + 1}/{rep.Epochs} loss {rep.TrainLoss:0.0000}{t} lr {rep.LearningRate:0.#####} {rep.ImagesPerSecond:0.0} img/s {rep.Seconds:0.0} s eta {rep.Eta:hh\\:mm\\:ss}"));
                },
                checkpoint: (next, optimizer) =>
                {
                    TrainingCheckpoint.Save(ckptDir, net, optimizer, new CheckpointInfo
                    {
                        NextEpoch = next, Epochs = job.Schedule.Epochs, Schedule = job.Schedule.Name, Seed = job.Seed,
                        Widths = net.Widths.ToArray(), WidenedFrom = widenedFrom, TrainImages = kept, Saved = DateTimeOffset.UtcNow,
                    });
                    curve.WriteCsv(Path.Combine(training, "loss.csv"));
                    curve.WritePng(Path.Combine(training, "loss.png"), job.Name);
                },
                testScorer: test is { Count: > 0 } ? n => (TestLoss(trainer, testCrops!), TestAp50(n, test, job)) : null,
                // Momentum buffers come back too, so a resumed run goes on exactly as an uninterrupted one.
                restoreOptimizer: startEpoch > 0 ? optimizer => TrainingCheckpoint.RestoreOptimizer(ckptDir, optimizer) : null);
            int epochsDone = Math.Max(startEpoch, endEpoch);

            string modelPath = Path.Combine(job.Output, "model.pth");
            // Zoo registry: written aside, then registered as the next version (which installs it as model.pth).
            string trainedWeights = Path.Combine(training, "trained.pth");
            CellposeWeights.Save(net, trainedWeights);
            var run = new Dictionary<string, object?>
            {
                ["name"] = job.Name,
                ["pretrained"] = job.Pretrained,
                ["schedule"] = job.Schedule.Name,
                ["epochs"] = job.Schedule.Epochs,
                ["epochs_completed"] = epochsDone,
                ["learning_rate"] = job.Schedule.LearningRate,
                ["weight_decay"] = job.Schedule.WeightDecay,
                ["widths"] = net.Widths,
                ["widened_from"] = widenedFrom,
                ["diam_mean"] = net.DiamMean,
                ["diam_labels"] = net.DiamLabels,
                ["train_dirs"] = job.Dirs,
                ["data_licences"] = job.Licences.Concat(synthTotal == 0 ? [] : [new DataLicence
                {
                    Licence = "generated", Data = $"{synthTotal} synthetic {string.Join("/", job.Synth.Select(st => st.ToString().ToLowerInvariant()))} frames", Source = "--synth-style",
                }]).Select(l => new Dictionary<string, string?> { ["licence"] = l.Licence, ["data"] = l.Data, ["source"] = l.Source }).ToArray(),
                ["train_images"] = kept,
                ["train_rois"] = trainer.Filter(samples).Sum(s => s.Objects),
                ["synthetic_images"] = synthTotal,
                ["synthetic_styles"] = job.Synth.Select(st => st.ToString().ToLowerInvariant()).ToArray(),
                ["images_per_epoch"] = job.Schedule.ImagesPerEpoch,
                ["norm_crops"] = job.NormCrops,
                ["gamma_augment"] = job.MaxGamma,
                ["seed"] = job.Seed,
                ["wall_seconds_this_run"] = Math.Round(wall.Elapsed.TotalSeconds, 1),
                ["wall_seconds_all_runs"] = Math.Round(curve.Reports.Sum(rr => rr.Seconds), 1),
                ["images_per_second"] = Math.Round(curve.Reports.Count == 0 ? 0 : curve.Reports.Average(rr => rr.ImagesPerSecond), 2),
                ["finished"] = DateTimeOffset.UtcNow,
            };
            File.WriteAllText(Path.Combine(training, "run.json"), JsonSerializer.Serialize(run, new JsonSerializerOptions { WriteIndented = true }));
            TrainRegistration.Register(console, job.Output, trainedWeights);
            o.WriteLine($"saved {modelPath}");
        }
        return CliApp.Ok;
    }

    /// <summary>
    /// Channels of a synthetic frame as Cellpose's models take them: whole cells are cytoplasm (page 1) with a nuclear
    /// stain (page 2); the other styles are read as gray. Independent of --chan/--chan2, which describe the --dir images,
    /// so one run can mix styles.
    /// </summary>
    public static (int Chan, int Chan2) SynthChannels(SynthStyle style) => style == SynthStyle.Cyto ? (1, 2) : (0, 0);

    private static TrainingSample SynthSample(SynthStyle style, int seed, int i)
    {
        var (chan, chan2) = SynthChannels(style);
        // Vary size, density, noise, blur and bit depth so the model sees the range the generator covers.
        var rng = new Random(Seeds.Mix(seed, i, 7));
        var f = SyntheticFrames.Generate(new SynthSettings
        {
            Style = style,
            Height = 256,
            Width = 256,
            Diameter = 10 + 40 * rng.NextDouble(),
            Density = 0.1 + 0.4 * rng.NextDouble(),
            Noise = 0.2 * rng.NextDouble(),
            Blur = 2.5 * rng.NextDouble(),
            BackgroundGradient = 0.3 * rng.NextDouble(),
            BitDepth = rng.Next(2) == 0 ? 8 : 16,
            Seed = Seeds.Mix(seed, i, 11),
        });
        return TrainingData.Prepare($"synth_{style}_{i}", f.Image, f.Masks, chan, chan2);
    }

    /// <summary>Test crops as Cellpose makes them: rescaled to diam_mean, no random scaling, a fixed seed.</summary>
    private static List<AugmentedCrop> FixedCrops(IReadOnlyList<TrainingSample> samples, double diamMean)
    {
        var rng = new Random(42);
        return samples.Select(s =>
        {
            var draw = RandomRotateResize.Draw(s.Height, s.Width, Math.Max(5, s.Diameter) / diamMean, 0, 224, rng);
            return RandomRotateResize.Apply(s.Image, s.Channels, s.Height, s.Width, s.CellProb, s.FlowY, s.FlowX, 224, draw);
        }).ToList();
    }

    private static double TestLoss(CellposeTrainer trainer, List<AugmentedCrop> crops)
    {
        double sum = 0;
        for (int b = 0; b < crops.Count; b += 8)
        {
            var batch = crops.Skip(b).Take(8).ToList();
            sum += trainer.Evaluate(batch) * batch.Count;
        }
        return sum / crops.Count;
    }

    /// <summary>Segments the test images with the current network at their true diameter; mean AP@0.5.</summary>
    private static double TestAp50(CellposeNet net, IReadOnlyList<(string Image, string Masks)> test, TrainJob job)
    {
        string tmp = Path.Combine(Path.GetTempPath(), $"acqseg-train-{Environment.ProcessId}.pth");
        CellposeWeights.Save(net, tmp);
        try
        {
            return FineTuning.MeanAp50(tmp, test, job.Chan, job.Chan2, job.Device);
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
