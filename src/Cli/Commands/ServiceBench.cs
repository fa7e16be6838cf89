using System.Diagnostics;
using System.Globalization;
using AcqSeg.AllRolesHost;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg bench --service N`: seconds per frame through the embedded service (frames dropped into a watched folder,
/// in-memory bus, SQLite, the worker writing masks, flows, outlines and the object table) against bare
/// `acqseg segment` writing the same outputs. Both are steady-state figures: (time of N frames - time of 1) / (N - 1)
/// for segment; for the service, the spread of the frames' completion times / (N - 1), so start-up, model loading
/// and the watcher's stability wait cancel out.
/// </summary>
internal static class ServiceBench
{
    public static int Run(CliConsole console, string modelPath, int count, int size, bool exact)
    {
        var o = console.Out;
        string root = Path.Combine(Path.GetTempPath(), $"acqseg-service-bench-{Environment.ProcessId}");
        string frames = Path.Combine(root, "frames");
        Directory.CreateDirectory(frames);
        try
        {
            var files = WriteFrames(frames, count, size);
            string[] common = ["--model", modelPath, "--diameter", "30", "--save-flows", "--save-outlines", "--save-csv", .. exact ? new[] { "--exact" } : []];
            double one = TimeSegment(console, [files[0], "--out", Path.Combine(root, "seg1"), .. common]);
            double all = TimeSegment(console, [.. files, "--out", Path.Combine(root, "segN"), .. common]);
            double bare = (all - one) / (count - 1);

            double service = TimeService(root, files, modelPath, exact);
            var inv = CultureInfo.InvariantCulture;
            o.WriteLine($"| {count} frames {size}x{size}, {(exact ? "exact" : "fast")} path | seconds per frame |");
            o.WriteLine("|---|---|");
            o.WriteLine(string.Create(inv, $"| acqseg segment (masks, flows, outlines, CSV) | {bare:0.000} |"));
            o.WriteLine(string.Create(inv, $"| acqseg run (watch folder, in-memory bus, SQLite) | {service:0.000} |"));
            o.WriteLine(string.Create(inv, $"| service / segment | {service / bare:0.000} |"));
            return CliApp.Ok;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The benchmark's frames: synthetic nuclei, 30 px, sparse, 16-bit, PREFIX_000.tif on (seeds from
    /// <paramref name="firstSeed"/>: frames with another prefix get other seeds, so that no two files have one content).</summary>
    public static List<string> WriteFrames(string folder, int count, int size, string prefix = "frame", int firstSeed = 100)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var f = SyntheticFrames.Generate(new SynthSettings { Style = SynthStyle.Nuclei, Height = size, Width = size, Diameter = 30, Density = 0.12, Seed = firstSeed + i });
            string path = Path.Combine(folder, $"{prefix}_{i:D3}.tif");
            TiffWriter.WriteImage(path, f.Image, 16);
            files.Add(path);
        }
        return files;
    }

    private static double TimeSegment(CliConsole console, string[] args)
    {
        var clock = Stopwatch.StartNew();
        int code = CliApp.Run(["segment", .. args], TextWriter.Null, console.Error);
        if (code != CliApp.Ok) throw new InvalidOperationException($"acqseg segment exited with {code} during the service benchmark");
        return clock.Elapsed.TotalSeconds;
    }

    private static double TimeService(string root, List<string> files, string modelPath, bool exact)
    {
        string watch = Path.Combine(root, "watch"), output = Path.Combine(root, "service");
        Directory.CreateDirectory(Path.Combine(watch, "acq1"));
        Directory.CreateDirectory(output);
        var settings = new RunSettings
        {
            WatchFolders = [watch],
            OutputFolder = output,
            ModelName = "bench",
            ModelPath = modelPath,
            Http = "127.0.0.1:0",
            Exact = exact,
            StableFor = TimeSpan.FromMilliseconds(200),
        };
        var app = AcqSegHost.Build(settings, [new("SegmentWorker:Diameter", "30")]);
        var store = app.Services.GetRequiredService<FrameStore>();
        var lifetime = app.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        var running = app.RunAsync();
        try
        {
            Thread.Sleep(2000); // start-up: bus, database migrations, watcher scan
            foreach (string f in files) File.Copy(f, Path.Combine(watch, "acq1", Path.GetFileName(f)));
            while (true)
            {
                if (running.IsCompleted) throw new InvalidOperationException("the service stopped before segmenting the benchmark frames");
                var counts = store.CountByStateAsync().GetAwaiter().GetResult();
                int done = FrameStates.Terminal.Sum(s => counts.GetValueOrDefault(s));
                if (done >= files.Count) break;
                Thread.Sleep(100);
            }
            var completed = store.CompletionTimesAsync().GetAwaiter().GetResult();
            if (completed.Count < 2) throw new InvalidOperationException("fewer than two frames completed");
            return (completed[^1] - completed[0]).TotalSeconds / (completed.Count - 1);
        }
        finally
        {
            lifetime.StopApplication();
            running.GetAwaiter().GetResult();
        }
    }
}
