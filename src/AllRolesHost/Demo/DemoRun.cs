using System.Globalization;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using AcqSeg.Watcher;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AcqSeg.AllRolesHost.Demo;

/// <summary>What `acqseg demo` was asked for.</summary>
public sealed record DemoSettings
{
    /// <summary>Holds acquisitions/&lt;run&gt;/ (the watched frames) and segmented/ (outputs and the database).</summary>
    public required string Folder { get; init; }
    public required string ModelName { get; init; }
    public required string ModelPath { get; init; }
    /// <summary>The model zoo folder the service sees (<see cref="RunSettings.ZooRoot"/>); null = none.</summary>
    public string? ZooRoot { get; init; }
    public double FramesPerSecond { get; init; } = 1;
    public int Frames { get; init; } = 20;
    public IReadOnlyList<string> RealImages { get; init; } = [];
    /// <summary>After the last frame is written, stop once nothing has been pending for this long.</summary>
    public TimeSpan ExitWhenIdle { get; init; } = TimeSpan.FromSeconds(2);
    public string Http { get; init; } = "127.0.0.1:5080";
    public TimeSpan RefreshEvery { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>How a demo ended; <paramref name="Stopped"/>: by a stop request (SIGTERM, Ctrl+C) before it was done.</summary>
public sealed record DemoOutcome(string Acquisition, int Written, PipelineSnapshot Final, string OutputFolder, bool Stopped = false);

/// <summary>
/// The embedded service (in-memory bus, SQLite, CPU) watching a fresh acquisition folder that a simulated microscope
/// fills at the set rate, with a one-line view of the pipeline refreshed every second. Each run is its own
/// acquisition (acquisitions/demo-&lt;time&gt;), so earlier runs in the same folder neither count nor collide.
/// </summary>
public sealed class DemoRun(DemoSettings settings, TextWriter view, bool viewIsTerminal)
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);

    public async Task<DemoOutcome> RunAsync(CancellationToken cancel = default)
    {
        string root = Path.GetFullPath(settings.Folder);
        string acquisitions = Path.Combine(root, "acquisitions");
        string output = Path.Combine(root, "segmented");
        string acquisition = "demo-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture);
        string folder = Path.Combine(acquisitions, acquisition);
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory(output);

        var run = new RunSettings
        {
            // The run's own folder is the watched root, so its name is the acquisition's.
            WatchFolders = [folder],
            OutputFolder = output,
            ModelName = settings.ModelName,
            ModelPath = settings.ModelPath,
            ZooRoot = settings.ZooRoot,
            // The header names the demo's model: it segments every frame, not whatever the first frame's style suggests.
            ModelForEveryAcquisition = true,
            Http = settings.Http,
            StableFor = TimeSpan.FromMilliseconds(300),
        };
        // The live line is the demo's output: the service logs only warnings and errors.
        var app = AcqSegHost.Build(run, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Watcher:PollMilliseconds"] = "100",
        });
        await using (app)
        {
            await app.StartAsync(cancel);
            var frames = app.Services.GetRequiredService<FrameStore>();
            var watcher = app.Services.GetRequiredService<AcquisitionWatcher>();
            var microscope = new SimulatedMicroscope(new MicroscopeSettings
            {
                Folder = folder,
                FramesPerSecond = settings.FramesPerSecond,
                Frames = settings.Frames,
                RealImages = settings.RealImages,
                Seed = Environment.TickCount,
            }, TimeProvider.System);
            var started = DateTimeOffset.UtcNow;
            // A stop request (SIGTERM, Ctrl+C: the host's lifetime) ends the demo early, as it ends `acqseg run`.
            var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            using var live = CancellationTokenSource.CreateLinkedTokenSource(cancel, stopping);
            var writing = microscope.RunAsync(live.Token);
            // The line appears at once, with the frames already written, not a refresh period later.
            var snapshot = PipelineSnapshot.From(await Frames(frames, acquisition, cancel), DateTimeOffset.UtcNow, RateWindow, started);
            Show(Line(microscope.Written, snapshot));
            DateTimeOffset? idleSince = null;
            bool stopped = false;
            while (true)
            {
                try
                {
                    await Task.Delay(settings.RefreshEvery, live.Token);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancel.IsCancellationRequested)
                {
                    stopped = true;
                    break;
                }
                if (writing.IsFaulted) await writing;
                var now = DateTimeOffset.UtcNow;
                snapshot = PipelineSnapshot.From(await Frames(frames, acquisition, cancel), now, RateWindow, started);
                Show(Line(microscope.Written, snapshot));
                bool idle = writing.IsCompleted && watcher.Pending == 0 && snapshot.Waiting == 0;
                idleSince = idle ? idleSince ?? now : null;
                if (idleSince is { } since && now - since >= settings.ExitWhenIdle) break;
                cancel.ThrowIfCancellationRequested();
            }
            if (viewIsTerminal) view.WriteLine();
            await app.StopAsync(CancellationToken.None);
            snapshot = PipelineSnapshot.From(await Frames(frames, acquisition, CancellationToken.None), DateTimeOffset.UtcNow, RateWindow, started);
            return new DemoOutcome(acquisition, microscope.Written, snapshot, output, stopped);
        }
    }

    private static async Task<IEnumerable<FrameRow>> Frames(FrameStore frames, string acquisition, CancellationToken cancel) =>
        (await frames.ListAsync(cancel: cancel)).Where(f => f.Acquisition == acquisition);

    private void Show(string line)
    {
        if (viewIsTerminal)
        {
            // Redraw the same line in place; pad so a shorter line wipes the end of the previous one.
            view.Write("\r" + line.PadRight(Math.Max(line.Length, 110)));
        }
        else
        {
            view.WriteLine(line);
        }
        view.Flush();
    }

    public string Line(int written, PipelineSnapshot s)
    {
        var ci = CultureInfo.InvariantCulture;
        string latency = s.MeanLatencySeconds is { } mean
            ? string.Format(ci, "latency mean {0:F2} s p95 {1:F2} s", mean, s.P95LatencySeconds!.Value)
            : "latency -";
        return string.Format(ci, "written {0}/{1} | segmented {2} ({3:F2} frames/s) | {4} | flagged {5} | failed {6} | in flight {7} | waiting {8}",
            written, settings.Frames, s.Segmented, s.FramesPerSecond, latency, s.Flagged, s.Failed,
            (int)AcqSegMetrics.FramesInFlight.Value, s.Waiting);
    }
}
