using System.CommandLine;
using System.Globalization;
using AcqSeg.AllRolesHost.Demo;
using Microsoft.Extensions.Options;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg demo`: a simulated microscope feeding the live service, with a one-line console view.</summary>
public static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var rate = new Option<double>("--rate") { Description = "Frames the simulated microscope writes per second", DefaultValueFactory = _ => 1.0 };
        var count = new Option<int>("--frames") { Description = "Frames to write before the demo winds down", DefaultValueFactory = _ => 20 };
        var outDir = new Option<string>("--out") { Description = "Demo folder: acquisitions/ (watched) and segmented/ (outputs, database)", DefaultValueFactory = _ => Path.Combine("out", "demo") };
        var model = new Option<string?>("--model") { Description = "Zoo name or .pth path (default: the zoo's nuclei model, else the reference synthetic-nuclei weights)" };
        var idle = new Option<double>("--exit-when-idle") { Description = "After the last frame, exit once nothing has been pending for this many seconds", DefaultValueFactory = _ => 2.0 };
        var http = new Option<string>("--http") { Description = "host:port for the review API, /metrics and /health", DefaultValueFactory = _ => "127.0.0.1:5080" };
        var real = new Option<string?>("--real") { Description = "Folder of NAME_img.tif images replayed between synthetic frames (default ../shared/data/real when present)" };
        var noReal = new Option<bool>("--synthetic-only") { Description = "Write synthetic frames only" };

        var cmd = new Command("demo", "Live segmentation of a simulated acquisition: a microscope writes frames at a set rate into a watched folder")
        {
            rate, count, outDir, model, idle, http, real, noReal,
        };
        cmd.SetAction(r =>
        {
            double fps = r.GetValue(rate);
            if (fps is <= 0 or > 1000 or double.NaN) throw new UsageException($"--rate {fps} must be between 0 and 1000 frames per second");
            int frames = r.GetValue(count);
            if (frames is < 1 or > 1_000_000) throw new UsageException($"--frames {frames} must be 1-1000000");
            double idleSeconds = r.GetValue(idle);
            if (idleSeconds is < 0 or > 3600 or double.NaN) throw new UsageException($"--exit-when-idle {idleSeconds} must be 0-3600 seconds");
            var (modelName, modelPath) = DemoModel(r.GetValue(model));
            IReadOnlyList<string> images = [];
            if (!r.GetValue(noReal))
            {
                string? folder = r.GetValue(real);
                if (folder is not null && !Directory.Exists(folder)) throw new UsageException($"--real '{folder}': folder not found; give a folder of NAME_img.tif images or use --synthetic-only");
                folder ??= Path.Combine(SharedFolder(), "data", "real");
                images = SimulatedMicroscope.RealImagesUnder(folder);
            }
            var settings = new DemoSettings
            {
                Folder = r.GetValue(outDir)!,
                ModelName = modelName,
                ModelPath = modelPath,
                ZooRoot = ModelLocator.ZooRoot(),
                FramesPerSecond = fps,
                Frames = frames,
                RealImages = images,
                ExitWhenIdle = TimeSpan.FromSeconds(idleSeconds),
                Http = r.GetValue(http)!,
            };
            return Run(console, settings);
        });
        return cmd;
    }

    private static int Run(CliConsole console, DemoSettings settings)
    {
        var ci = CultureInfo.InvariantCulture;
        console.Out.WriteLine(string.Format(ci, "demo: {0} frames at {1} frames/s ({2}), model {3}; review API, /metrics and /health on http://{4}",
            settings.Frames, settings.FramesPerSecond, Mix(settings.Frames, settings.RealImages.Count), settings.ModelPath, settings.Http));
        bool terminal = ReferenceEquals(console.Out, Console.Out) && !Console.IsOutputRedirected;
        DemoOutcome outcome;
        try
        {
            outcome = new DemoRun(settings, console.Out, terminal).RunAsync().GetAwaiter().GetResult();
        }
        catch (OptionsValidationException ex)
        {
            console.Error.WriteLine($"acqseg demo: {string.Join("; ", ex.Failures)}");
            return CliApp.UsageError;
        }
        var s = outcome.Final;
        console.Out.WriteLine(string.Format(ci,
            "demo {0}: {1} frames written, {2} acquired, {3} segmented ({4} flagged), {5} failed; latency mean {6} s, p95 {7} s; outputs in {8}",
            outcome.Acquisition, outcome.Written, s.Acquired, s.Segmented, s.Flagged, s.Failed,
            s.MeanLatencySeconds?.ToString("F2", ci) ?? "-", s.P95LatencySeconds?.ToString("F2", ci) ?? "-", outcome.OutputFolder));
        if (outcome.Stopped)
        {
            console.Out.WriteLine("demo stopped before it was done (frames not segmented by then stay Acquired)");
            return CliApp.Ok;
        }
        // Every written frame must have reached a terminal state; anything else means the pipeline lost one.
        return s.Done == outcome.Written && s.Acquired == outcome.Written ? CliApp.Ok : CliApp.InputFailed;
    }

    /// <summary>What the frames will be, counted by the microscope's own rule (odd frames replay the real images in turn).</summary>
    public static string Mix(int frames, int realImages)
    {
        int real = SimulatedMicroscope.RealFrames(frames, realImages);
        if (real == 0) return frames == 1 ? "1 synthetic frame" : $"all {frames} synthetic";
        int replayed = Math.Min(real, realImages);
        return $"{frames - real} synthetic and {real} real, replaying {replayed} of {realImages} real image{(realImages == 1 ? "" : "s")}" +
               (real > realImages ? " in turn" : "");
    }

    /// <summary>The zoo's nuclei model when there is one, else Cellpose's reference weights trained on synthetic nuclei.</summary>
    private static (string Name, string Path) DemoModel(string? model)
    {
        if (model is not null) return ModelLocator.ForService(model);
        string? zoo = ModelLocator.ZooRoot();
        if (zoo is not null && File.Exists(System.IO.Path.Combine(zoo, "nuclei", "model.pth")))
            return ("nuclei", System.IO.Path.Combine(zoo, "nuclei", "model.pth"));
        string reference = System.IO.Path.Combine(SharedFolder(), "reference", "cellpose-v2", "cpnet_synth_e40.pth");
        if (File.Exists(reference)) return ("cpnet_synth_e40", reference);
        throw new UsageException($"no demo model: the zoo has no 'nuclei' model and '{reference}' is missing; give --model NAME or a .pth path");
    }

    /// <summary>../shared beside the repository (found from the program's folder), else beside the working folder.</summary>
    internal static string SharedFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AcqSeg.sln"))) return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared"));
        }
        return System.IO.Path.GetFullPath(System.IO.Path.Combine("..", "shared"));
    }
}
