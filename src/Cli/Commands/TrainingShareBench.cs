using System.Diagnostics;
using System.Globalization;
using AcqSeg.AllRolesHost;
using AcqSeg.Contracts;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using AcqSeg.TrainWorker;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg bench --service N --during-training`: segmentation latency of the embedded service (acqseg run: watch
/// folder, in-memory bus, SQLite) while its train worker fine-tunes the bench model on two corrected synthetic frames,
/// against the same service with no training going. Three fresh services in turn: no training; training with the train
/// worker's share (TrainWorker:MaxThreads and :Nice defaults); training with all cores at the process's priority (the
/// share off: what `acqseg run` did before). Frames go in one at a time, each when the previous one is done, so a
/// frame's latency (completed_at - acquired_at: queue, network, dynamics, outputs) is its own, not the queue's. Training
/// is measured in epochs/s over two epochs with no frame coming (after its first epoch) and over the frames.
/// </summary>
internal static class TrainingShareBench
{
    private const string Lineage = "bench";
    private const int AloneEpochs = 2;
    private static readonly TimeSpan TrainingTimeout = TimeSpan.FromMinutes(30);

    private sealed record Phase(string Name, bool Train, int? MaxThreads, int? Nice);

    private sealed record PhaseResult(Phase Phase, int Threads, int Nice, IReadOnlyList<double> Latencies, double? AloneEpochsPerSecond,
        double? DuringEpochsPerSecond, int DuringEpochs, double DuringSeconds);

    public static int Run(CliConsole console, string modelPath, int count, int size, bool exact)
    {
        var o = console.Out;
        int cores = Environment.ProcessorCount;
        string root = Path.Combine(Path.GetTempPath(), $"acqseg-training-bench-{Environment.ProcessId}");
        try
        {
            string frames = Directory.CreateDirectory(Path.Combine(root, "frames")).FullName;
            var measured = ServiceBench.WriteFrames(frames, count, size);
            // The curators' corrections: two frames with their true masks (one trained on, one held back for scoring).
            var corrected = new List<(string Image, string Masks)>();
            for (int i = 0; i < 2; i++)
            {
                var f = SyntheticFrames.Generate(new SynthSettings { Style = SynthStyle.Nuclei, Height = size, Width = size, Diameter = 30, Density = 0.3, Seed = 900 + i });
                string image = Path.Combine(frames, $"corrected_{i}.tif"), masks = Path.Combine(frames, $"corrected_{i}_masks.tif");
                TiffWriter.WriteImage(image, f.Image, 16);
                TiffWriter.WriteLabels(masks, f.Masks);
                corrected.Add((image, masks));
            }

            var phases = new[]
            {
                new Phase("no training", false, null, null),
                new Phase("training with the train worker's share (defaults)", true, null, null),
                new Phase("training without a share", true, cores, 0),
            };
            string loadBefore = Diagnostics.MachineInfo.LoadAverage();
            var results = new List<PhaseResult>();
            for (int p = 0; p < phases.Length; p++)
            {
                console.Error.WriteLine($"bench: {phases[p].Name} ...");
                results.Add(RunPhase(phases[p], Path.Combine(root, $"phase{p}"), modelPath, measured, corrected, exact));
            }

            var inv = CultureInfo.InvariantCulture;
            o.WriteLine(string.Create(inv,
                $"{count} frames {size}x{size}, {(exact ? "exact" : "fast")} path, fed one at a time; {cores} cores; training: {Path.GetFileName(modelPath)} fine-tuned on 1 corrected {size}x{size} frame (online schedule, crops 224)"));
            o.WriteLine($"machine: {Diagnostics.MachineInfo.Describe()}; load average (1 min, every process on the machine) {loadBefore} at the start, {Diagnostics.MachineInfo.LoadAverage()} at the end");
            o.WriteLine("| service | training threads | training nice | latency mean s | latency p95 s | training epochs/s alone | training epochs/s during frames |");
            o.WriteLine("|---|---|---|---|---|---|---|");
            foreach (var r in results)
            {
                string threads = r.Phase.Train ? r.Threads.ToString(inv) : "-";
                string nice = r.Phase.Train ? r.Nice.ToString(inv) : "-";
                string alone = r.AloneEpochsPerSecond is double a ? a.ToString("0.000", inv) : "-";
                string during = r.DuringEpochsPerSecond is double d ? string.Create(inv, $"{d:0.000} ({r.DuringEpochs} in {r.DuringSeconds:0} s)") : "-";
                o.WriteLine(string.Create(inv,
                    $"| {r.Phase.Name} | {threads} | {nice} | {r.Latencies.Average():0.000} | {P95(r.Latencies):0.000} | {alone} | {during} |"));
            }
            return CliApp.Ok;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Nearest-rank 95th percentile.</summary>
    internal static double P95(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
    }

    private static PhaseResult RunPhase(Phase phase, string root, string modelPath, List<string> measured, List<(string Image, string Masks)> corrected, bool exact)
    {
        string watch = Path.Combine(root, "watch"), output = Path.Combine(root, "service");
        Directory.CreateDirectory(Path.Combine(watch, "live"));
        Directory.CreateDirectory(Path.Combine(watch, "curated"));
        Directory.CreateDirectory(output);
        var settings = new RunSettings
        {
            WatchFolders = [watch],
            OutputFolder = output,
            ModelName = Lineage,
            ModelPath = modelPath,
            Http = "127.0.0.1:0",
            Exact = exact,
            StableFor = TimeSpan.FromMilliseconds(200),
        };
        var overrides = new Dictionary<string, string?>
        {
            ["SegmentWorker:Diameter"] = "30",
            ["Watcher:PollMilliseconds"] = "100",
            ["TrainWorker:Epochs"] = "100000", // still going when the frames are done
            ["TrainWorker:MinApGain"] = "-1",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (phase.MaxThreads is int threads) overrides["TrainWorker:MaxThreads"] = threads.ToString(CultureInfo.InvariantCulture);
        if (phase.Nice is int nice) overrides["TrainWorker:Nice"] = nice.ToString(CultureInfo.InvariantCulture);
        var epochs = new EpochClock();
        // MassTransit keeps its log context in an async local: the previous phase's host left its disposed logger factory there.
        LogContext.Current = null;
        var app = AcqSegHost.Build(settings, overrides, services => services.AddSingleton<ITrainingObserver>(epochs));
        var store = app.Services.GetRequiredService<FrameStore>();
        var training = app.Services.GetServices<IHostedService>().OfType<TrainingService>().Single();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TrainWorkerOptions>>().Value;
        app.StartAsync().GetAwaiter().GetResult();
        try
        {
            // The corrected frames go through the service first (the model loads, the path warms up), as curated frames do.
            var curated = new List<FrameRow>();
            foreach (var (image, _) in corrected) curated.Add(Segment(store, image, Path.Combine(watch, "curated")));
            double? alone = null;
            if (phase.Train)
            {
                var bus = app.Services.GetRequiredService<IBus>();
                for (int i = 0; i < corrected.Count; i++)
                {
                    string masks = corrected[i].Masks;
                    bus.Publish(new CorrectionSubmitted(Guid.NewGuid(), Guid.Parse(curated[i].Id), "curated", Lineage, 1, masks,
                        FileHash.Sha256Async(masks).GetAwaiter().GetResult(), DateTimeOffset.UtcNow)).GetAwaiter().GetResult();
                }
                // Steady state: past the first epoch (loading, the backward check, the first oneDNN kernels).
                epochs.WaitFor(1, TrainingTimeout);
                var start = epochs.Time(1);
                alone = AloneEpochs / (epochs.WaitFor(1 + AloneEpochs, TrainingTimeout) - start).TotalSeconds;
            }
            int before = epochs.Count;
            var clock = Stopwatch.StartNew();
            var latencies = measured.Select(f =>
            {
                var row = Segment(store, f, Path.Combine(watch, "live"));
                return (Parse(row.CompletedAt!) - Parse(row.AcquiredAt)).TotalSeconds;
            }).ToList();
            double seconds = clock.Elapsed.TotalSeconds;
            int during = epochs.Count - before;
            return new PhaseResult(phase, options.TrainingThreads, options.Nice, latencies, alone, phase.Train ? during / seconds : null, during, seconds);
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
            // A batch the stop did not wait for still runs: the next phase must not share the cores with it.
            if (training.ExecuteTask is { } task && !task.Wait(TrainingTimeout))
                throw new InvalidOperationException("the benchmark's training run did not stop");
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Copies a frame into the watched folder and waits until the service has finished it.</summary>
    private static FrameRow Segment(FrameStore store, string source, string folder)
    {
        string path = Path.Combine(folder, Path.GetFileName(source));
        File.Copy(source, path);
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            var row = store.ListAsync().GetAwaiter().GetResult().FirstOrDefault(r => r.Path == path);
            if (row is not null && FrameStates.Terminal.Contains(row.State))
            {
                if (row.State == FrameStates.Failed) throw new InvalidOperationException($"the service failed the benchmark frame {path}: {row.Reason}");
                return row;
            }
            if (DateTime.UtcNow > until) throw new TimeoutException($"the service did not finish the benchmark frame {path} within 10 minutes");
            Thread.Sleep(20);
        }
    }

    private static DateTimeOffset Parse(string timestamp) => DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture);

    /// <summary>When each epoch of the run ended.</summary>
    private sealed class EpochClock : ITrainingObserver
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly List<TimeSpan> ends = [];

        public int Count
        {
            get
            {
                lock (ends) return ends.Count;
            }
        }

        public TimeSpan Time(int epochs)
        {
            lock (ends) return ends[epochs - 1];
        }

        /// <summary>Waits until <paramref name="epochs"/> epochs have ended; returns when the last of them did.</summary>
        public TimeSpan WaitFor(int epochs, TimeSpan timeout)
        {
            lock (ends)
            {
                var until = clock.Elapsed + timeout;
                while (ends.Count < epochs)
                {
                    var left = until - clock.Elapsed;
                    if (left <= TimeSpan.Zero) throw new TimeoutException($"training finished {ends.Count} epoch(s) in {timeout.TotalMinutes:0} minutes, the benchmark waited for {epochs}");
                    Monitor.Wait(ends, left);
                }
                return ends[epochs - 1];
            }
        }

        public void EpochFinished(TrainingRunRow run, EpochReport report)
        {
            lock (ends)
            {
                ends.Add(clock.Elapsed);
                Monitor.PulseAll(ends);
            }
        }

        public void CheckpointSaved(TrainingRunRow run, int nextEpoch, CancellationToken cancel)
        {
        }
    }
}
