using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AcqSeg.Cli.Commands;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Apis;

namespace AcqSeg.Cli.Hitl;

/// <summary>What `acqseg hitl-service` was asked for.</summary>
public sealed record ServiceLoopSettings
{
    public required string Images { get; init; }
    public required string Test { get; init; }
    /// <summary>Zoo name or .pth the acquisition is assigned (the lineage's base: its zoo version, or v1 for a file).</summary>
    public required string StartModel { get; init; }
    public required string Out { get; init; }
    public int Steps { get; init; } = 10;
    public int Epochs { get; init; } = 100;
    public string Bus { get; init; } = "memory";
    /// <summary>SQLite file or PostgreSQL connection; null = a SQLite file in the output folder.</summary>
    public string? Database { get; init; }
    /// <summary>Diameter the service segments at (SegmentWorker:Diameter).</summary>
    public double Diameter { get; init; } = 30;
    public int Chan { get; init; }
    public int Chan2 { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>The train worker publishes a candidate only when its held-back AP beats the current one by more than this.</summary>
    public double MinApGain { get; init; } = 0.001;
    public double HoldOutFraction { get; init; } = 0.2;
    /// <summary>TrainWorker:CropSize; null = the service's default (Cellpose's 224).</summary>
    public int? CropSize { get; init; }
    /// <summary>A model trained on all images of the type: the goal is its test AP@0.5 minus 0.03.</summary>
    public string? Reference { get; init; }
    /// <summary>`acqseg hitl`'s hitl.csv on the same images, drawn beside the service's curve.</summary>
    public string? CompareCsv { get; init; }
    public string MaskSuffix { get; init; } = "_masks";
    /// <summary>The curator also redraws matched ROIs outlined worse than this IoU (0 = keeps every match).</summary>
    public double RedrawBelow { get; init; }
    /// <summary>Longest wait for one frame to be segmented or one training round to end.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(60);
}

/// <summary>One corrected frame of the loop.</summary>
public sealed record ServiceLoopStep(int Step, string Image, Guid FrameId, int SegmentedBy, int LiveWhenWritten, string StateAfterSegmentation,
    int Kept, int Drawn, int Removed, int CumulativeManualRois, string RunState, int? PublishedVersion, double? HeldOutApBefore, double? HeldOutApAfter,
    double? RunSeconds, int LiveVersion, double TestAp50, int Redrawn = 0);

/// <summary>
/// The human-in-the-loop through the product, as a curator lives it (issue 19): `acqseg run` is started as its own
/// process, the images are written one by one into a watched acquisition assigned the start model, and a scripted
/// curator with an API token works through the review API exactly as the editor does: it sends each segmented frame to
/// review (the gate need not have flagged it), claims it, reads the model's masks, keeps the ROIs that match a true
/// object, deletes the rest, draws the missed ones (only those count as manual ROIs) and posts the labels. The train
/// worker fine-tunes the lineage's base model on every corrected frame with the online schedule, scores candidate and
/// current version on held-back frames and publishes only an improvement; the loop waits for each round, scores the
/// live version on the test folder, and checks that the next frame is segmented by it.
/// </summary>
public sealed class ServiceLoop(ServiceLoopSettings settings, TextWriter log)
{
    private const string Curator = "hitl-curator";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public async Task<IReadOnlyList<ServiceLoopStep>> RunAsync(CancellationToken cancel)
    {
        var s = settings;
        string outDir = Path.GetFullPath(s.Out);
        Directory.CreateDirectory(outDir);
        var images = TrainingData.FindPairs(s.Images, s.MaskSuffix).Take(s.Steps).ToList();
        var test = TrainingData.FindPairs(s.Test, s.MaskSuffix);
        var (lineage, startPath) = ModelLocator.ForService(s.StartModel);
        var device = DeviceChoice.Parse(s.Device);

        // A fresh service home each time: the loop's numbers must not depend on a previous run's corrections.
        string home = Path.Combine(outDir, "service");
        if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
        string watch = Path.Combine(home, "watch"), output = Path.Combine(home, "out"), acquisitionFolder = Path.Combine(watch, "hitl");
        Directory.CreateDirectory(acquisitionFolder);
        Directory.CreateDirectory(output);
        string database = s.Database ?? Path.Combine(home, "acqseg.db");
        string token = CreateCurator(database);
        // The watcher names an acquisition by the watched folder and its sub-folder.
        string acquisition = $"{Path.GetFileName(watch)}/hitl";
        Cli(["assign", acquisition, lineage, "--db", database], "assign");

        double startAp = FineTuning.MeanAp50(startPath, test, s.Chan, s.Chan2, device);
        // The service numbers a zoo model's lineage from its zoo version (nuclei v6, then v7), a weight file's from 1.
        int startVersion = ModelRegistry.BaseVersion(ModelLocator.ZooRoot(), lineage, startPath);
        log.WriteLine(string.Create(Inv, $"start model {lineage} (v{startVersion}, {startPath}): test AP@0.5 {startAp:0.000} on {test.Count} images of {s.Test}"));
        // Scored before the loop, so every step's summary carries the goal.
        double? referenceAp = s.Reference is { } reference ? FineTuning.MeanAp50(ModelLocator.Resolve(reference), test, s.Chan, s.Chan2, device) : null;
        if (referenceAp is { } r0) log.WriteLine(string.Create(Inv, $"reference {s.Reference}: test AP@0.5 {r0:0.000}; the goal is {new HitlGoal(s.Reference!, r0).Goal:0.000}"));

        int port = ServiceProcess.FreePort();
        var env = new Dictionary<string, string>
        {
            ["TrainWorker__Epochs"] = s.Epochs.ToString(Inv),
            ["TrainWorker__MinApGain"] = s.MinApGain.ToString(Inv),
            ["TrainWorker__HoldOutFraction"] = s.HoldOutFraction.ToString(Inv),
            ["TrainWorker__Chan"] = s.Chan.ToString(Inv),
            ["TrainWorker__Chan2"] = s.Chan2.ToString(Inv),
            ["SegmentWorker__Diameter"] = s.Diameter.ToString(Inv),
            ["SegmentWorker__Chan"] = s.Chan.ToString(Inv),
            ["SegmentWorker__Chan2"] = s.Chan2.ToString(Inv),
        };
        if (s.CropSize is { } crop) env["TrainWorker__CropSize"] = crop.ToString(Inv);
        string[] args = ["run", "--watch", watch, "--out", output, "--model", s.StartModel, "--bus", s.Bus, "--db", database,
            "--http", $"127.0.0.1:{port}", "--device", s.Device, "--stable-seconds", "0.5"];
        string serviceLog = Path.Combine(outDir, "service.log");
        if (File.Exists(serviceLog)) File.Delete(serviceLog);
        log.WriteLine($"starting acqseg run on 127.0.0.1:{port} (bus {RedactedBus(s.Bus)}, {(s.Database is null ? "SQLite" : "given database")}); its log: {serviceLog}");
        await using var service = ServiceProcess.Start(args, env, serviceLog);
        using var curator = new CuratorClient(new Uri($"http://127.0.0.1:{port}"), token);
        await curator.WaitHealthyAsync(TimeSpan.FromMinutes(2), () => service.Exited, cancel);

        var steps = new List<ServiceLoopStep>();
        int manual = 0, live = startVersion;
        double liveAp = startAp;
        WriteCsv(outDir, startAp, steps);
        foreach (var (step, (imagePath, masksPath)) in images.Select((p, i) => (i + 1, p)))
        {
            cancel.ThrowIfCancellationRequested();
            string name = Path.GetFileName(imagePath);
            int liveWhenWritten = live;
            WriteFrame(imagePath, Path.Combine(acquisitionFolder, name));
            var frame = await SegmentedFrameAsync(curator, acquisition, name, service, cancel);
            string stateAfter = frame.State;
            if (frame.State != FrameStates.Flagged) await curator.SendToReviewAsync(frame.Id, cancel);
            await curator.ClaimAsync(frame.Id, cancel);
            var predicted = await curator.MasksAsync(frame.Id, cancel);
            var correction = SimulatedCurator.Correct(LabelFiles.Read(masksPath), predicted, s.RedrawBelow);
            int runsBefore = (await curator.TrainingRunsAsync(lineage, cancel)).Runs.Count;
            await curator.SubmitCorrectionAsync(frame.Id, correction.Corrected, cancel);
            manual += correction.Drawn;
            var run = await RoundAsync(curator, lineage, runsBefore, service, cancel);
            if (run.State == "Published" && run.NewVersion is { } published)
            {
                live = published;
                liveAp = FineTuning.MeanAp50(VersionPath(output, lineage, published), test, s.Chan, s.Chan2, device);
            }
            var row = new ServiceLoopStep(step, name, frame.Id, frame.ModelVersion ?? 0, liveWhenWritten, stateAfter, correction.Kept, correction.Drawn,
                correction.Removed, manual, run.State, run.State == "Published" ? run.NewVersion : null, run.ApBefore, run.ApAfter, run.Seconds, live, liveAp, correction.Redrawn);
            steps.Add(row);
            WriteCsv(outDir, startAp, steps);
            Summarise(outDir, lineage, startAp, referenceAp, steps, finished: false);
            log.WriteLine(string.Create(Inv,
                $"step {step} {name}: segmented by v{row.SegmentedBy} ({stateAfter}), kept {row.Kept}, drew {row.Drawn}{(row.Redrawn > 0 ? $" ({row.Redrawn} of them redrawn)" : "")} (manual ROIs {manual}), deleted {row.Removed}; round {run.State}{(row.PublishedVersion is { } v ? $" v{v}" : "")} (held-back AP {Fmt(run.ApBefore)} -> {Fmt(run.ApAfter)}, {run.Seconds ?? 0:0} s); live v{live} test AP@0.5 {liveAp:0.000}"));
            if (row.SegmentedBy != liveWhenWritten)
                throw new InvalidOperationException($"frame {name} was segmented by v{row.SegmentedBy}, but v{liveWhenWritten} was live when it was written: the service did not pick up its published version");
        }
        double stopSeconds = await service.StopAsync(TimeSpan.FromSeconds(60));
        log.WriteLine(string.Create(Inv, $"acqseg run stopped with SIGTERM in {stopSeconds:0.0} s"));

        Summarise(outDir, lineage, startAp, referenceAp, steps, finished: true);
        return steps;
    }

    private static string RedactedBus(string bus) =>
        Uri.TryCreate(bus, UriKind.Absolute, out var u) && !string.IsNullOrEmpty(u.UserInfo) ? bus.Replace(u.UserInfo + "@", "***@", StringComparison.Ordinal) : bus;

    private static string Fmt(double? ap) => ap is { } a ? a.ToString("0.000", Inv) : "-";

    /// <summary>Where `acqseg run` writes published versions (Models:VersionsRoot = OUT/models).</summary>
    public static string VersionPath(string serviceOutput, string lineage, int version) =>
        Path.Combine(serviceOutput, "models", lineage, $"v{version}.pth");

    /// <summary>A curator account and its API token, made the way an operator makes them (before the service starts, so
    /// the loop may create the database).</summary>
    private static string CreateCurator(string database)
    {
        string password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18));
        var err = new StringWriter();
        int code = CliApp.Run(["users", "add", Curator, "--db", database, "--password-stdin", "--create"], TextWriter.Null, err, new StringReader(password + "\n"));
        if (code != CliApp.Ok && !err.ToString().Contains("exists", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"acqseg users add: {err.ToString().Trim()}");
        var tokenOut = new StringWriter();
        err = new StringWriter();
        if (CliApp.Run(["users", "token", Curator, "--db", database], tokenOut, err) != CliApp.Ok)
            throw new InvalidOperationException($"acqseg users token: {err.ToString().Trim()}");
        return tokenOut.ToString().Trim();
    }

    private static void Cli(string[] args, string what)
    {
        var err = new StringWriter();
        if (CliApp.Run(args, TextWriter.Null, err) != CliApp.Ok) throw new InvalidOperationException($"acqseg {what}: {err.ToString().Trim()}");
    }

    /// <summary>As a microscope does: written under a temporary name, then renamed, so the watcher sees a whole file.</summary>
    private static void WriteFrame(string source, string target)
    {
        string part = target + ".part";
        File.Copy(source, part, overwrite: true);
        File.Move(part, target, overwrite: true);
    }

    private async Task<RecentFrameDto> SegmentedFrameAsync(CuratorClient curator, string acquisition, string name, ServiceProcess service, CancellationToken cancel)
    {
        var deadline = Stopwatch.StartNew();
        string seen = "not listed yet";
        while (deadline.Elapsed < settings.StepTimeout)
        {
            if (service.Exited is { } exited) throw new InvalidOperationException($"waiting for {name}: {exited}");
            var frames = await PollAsync(() => curator.FramesAsync(acquisition, cancel), $"listing the frames of {acquisition}", cancel);
            var frame = frames?.FirstOrDefault(f => Path.GetFileName(f.Path) == name);
            if (frame is not null)
            {
                seen = frame.State;
                if (frame.State == FrameStates.Failed) throw new InvalidOperationException($"frame {name} failed in the service; see {Path.Combine(settings.Out, "service.log")}");
                if (frame.State is FrameStates.Segmented or FrameStates.Flagged) return frame;
            }
            await Task.Delay(500, cancel);
        }
        throw new TimeoutException($"frame {name} was not segmented within {settings.StepTimeout.TotalMinutes:0} min (last seen: {seen})");
    }

    /// <summary>Waits for the round the last correction started: every correction claimed and no run going.</summary>
    private async Task<TrainingRunDto> RoundAsync(CuratorClient curator, string lineage, int runsBefore, ServiceProcess service, CancellationToken cancel)
    {
        var deadline = Stopwatch.StartNew();
        string seen = "no run yet";
        while (deadline.Elapsed < settings.StepTimeout)
        {
            if (service.Exited is { } exited) throw new InvalidOperationException($"waiting for the training round of {lineage}: {exited}");
            var runs = await PollAsync(() => curator.TrainingRunsAsync(lineage, cancel), $"the training runs of {lineage}", cancel);
            if (runs is not null && runs.Runs.Count > runsBefore)
            {
                var last = runs.Runs[^1];
                seen = $"{last.State}, {runs.Pending} pending";
                if (runs.Pending == 0 && runs.Runs.All(r => r.State != "Running"))
                {
                    if (last.State == "Failed") throw new InvalidOperationException($"training run {last.Id} of {lineage} failed: {last.Outcome}");
                    return last;
                }
            }
            await Task.Delay(1000, cancel);
        }
        throw new TimeoutException($"the training round of {lineage} did not end within {settings.StepTimeout.TotalMinutes:0} min (last seen: {seen})");
    }

    /// <summary>
    /// One poll of the service. A poll that fails in transport (a timeout, a dropped connection) or with a server error
    /// (5xx: the database timed out) is logged and answered with null, so the caller polls again until its deadline or
    /// until the service process exits; both were seen while the host ran out of memory and stalled for minutes. A 4xx
    /// answer (a wrong call) still throws.
    /// </summary>
    private async Task<T?> PollAsync<T>(Func<Task<T>> call, string what, CancellationToken cancel) where T : class
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (!cancel.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException or ReviewApiException { Status: >= 500 })
        {
            log.WriteLine($"the service did not answer while polling {what} ({ex.GetBaseException().Message}); polling again");
            return null;
        }
    }

    public const string CsvFile = "service-hitl.csv";
    public const string PlotFile = "service-hitl.png";
    public const string SummaryFile = "service-hitl.json";

    private static void WriteCsv(string outDir, double startAp, IReadOnlyList<ServiceLoopStep> steps)
    {
        var sb = new StringBuilder("step,image,frame_id,segmented_by_version,live_version_when_written,state_after_segmentation,kept,drawn,removed,cumulative_manual_rois,round,published_version,held_out_ap_before,held_out_ap_after,round_seconds,live_version,test_ap50,redrawn\n");
        sb.Append(Inv, $"0,,,,,,,,,0,,,,,,1,{startAp:0.0000},0\n");
        foreach (var r in steps)
            sb.Append(Inv, $"{r.Step},{r.Image},{r.FrameId},{r.SegmentedBy},{r.LiveWhenWritten},{r.StateAfterSegmentation},{r.Kept},{r.Drawn},{r.Removed},{r.CumulativeManualRois},{r.RunState},{r.PublishedVersion},{r.HeldOutApBefore:0.0000},{r.HeldOutApAfter:0.0000},{r.RunSeconds:0.0},{r.LiveVersion},{r.TestAp50:0.0000},{r.Redrawn}\n");
        File.WriteAllText(Path.Combine(outDir, CsvFile), sb.ToString());
    }

    /// <summary>
    /// service-hitl.json and the chart, rewritten after every step: a run stopped part way (killed for memory, SIGTERM)
    /// leaves its curve, reference and goal so far, and `acqseg plot hitl-service` redraws it.
    /// </summary>
    private void Summarise(string outDir, string lineage, double startAp, double? referenceAp, IReadOnlyList<ServiceLoopStep> steps, bool finished)
    {
        var summary = new Dictionary<string, object?>
        {
            ["start_model"] = settings.StartModel,
            ["lineage"] = lineage,
            ["bus"] = RedactedBus(settings.Bus),
            ["database"] = settings.Database is null ? "sqlite" : "given",
            ["images"] = settings.Images,
            ["test"] = settings.Test,
            ["epochs"] = settings.Epochs,
            ["min_ap_gain"] = settings.MinApGain,
            ["redraw_below"] = settings.RedrawBelow,
            ["diameter"] = settings.Diameter,
            ["steps_asked"] = settings.Steps,
            ["steps_done"] = steps.Count,
            ["finished"] = finished,
            ["start_ap50"] = startAp,
            ["final_ap50"] = steps.Count == 0 ? startAp : steps[^1].TestAp50,
            ["manual_rois"] = steps.Count == 0 ? 0 : steps[^1].CumulativeManualRois,
            ["published_versions"] = steps.Count(r => r.PublishedVersion is not null),
        };
        if (settings.CompareCsv is { } compare && File.Exists(compare)) summary["compare_csv"] = Path.GetFullPath(compare);
        if (settings.Reference is { } reference && referenceAp is { } refAp)
        {
            var goal = new HitlGoal(reference, refAp);
            int? reachedAt = goal.ReachedAt(startAp, steps.Select(r => (r.CumulativeManualRois, r.TestAp50)));
            goal.Record(summary, reachedAt);
            if (finished) log.WriteLine(goal.Verdict(reachedAt, (int)summary["manual_rois"]!));
        }
        File.WriteAllText(Path.Combine(outDir, SummaryFile), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        string png = HitlCharts.DrawService(outDir, compareCsv: null); // the summary's compare_csv
        if (finished)
            log.WriteLine($"wrote {Path.Combine(outDir, CsvFile)}, {png} (redraw it with `acqseg plot hitl-service {outDir}`) and {Path.Combine(outDir, SummaryFile)}");
    }
}
