using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Security.Cryptography;
using System.Text.Json;
using AcqSeg.AllRolesHost;
using AcqSeg.AllRolesHost.Demo;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Curators;
using AcqSeg.ReviewHost.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg bench --events N`: the latency a controller on the event stream sees. The embedded service (acqseg run:
/// watch folder, in-memory bus, SQLite) runs with a reader of GET /api/events signed in by an API token; synthetic
/// frames appear in the watched folder at a fixed interval, each written under a temporary name and renamed (complete at
/// once, as a microscope should write them). Per frame: file complete (the rename) -> event received, split into the
/// watcher's part (stability wait, polling), queue and segmentation, and bus + stream. One warm-up frame (model
/// loading) is not counted.
/// </summary>
internal static class EventsBench
{
    private sealed record Received(DateTimeOffset At, JsonElement Data, string Type);

    /// <summary>One counted frame, by this machine's clock: file complete, registered, segmented, event received; and the
    /// worker's own seconds for it (read to outputs written).</summary>
    private sealed record Timing(DateTimeOffset Complete, DateTimeOffset Acquired, DateTimeOffset Segmented, DateTimeOffset Received, double SegmentSeconds);

    public static int Run(CliConsole console, string modelPath, int count, int size, bool exact, double intervalSeconds, int stableMilliseconds)
    {
        string root = Path.Combine(Path.GetTempPath(), $"acqseg-events-bench-{Environment.ProcessId}");
        string staging = Path.Combine(root, "staging"), watch = Path.Combine(root, "watch", "acq1"), output = Path.Combine(root, "out");
        Directory.CreateDirectory(staging);
        Directory.CreateDirectory(watch);
        Directory.CreateDirectory(output);
        try
        {
            var frames = ServiceBench.WriteFrames(staging, count + 1, size);
            var settings = new RunSettings
            {
                WatchFolders = [Path.GetDirectoryName(watch)!],
                OutputFolder = output,
                ModelName = "bench",
                ModelPath = modelPath,
                ModelForEveryAcquisition = true,
                Http = "127.0.0.1:0",
                Exact = exact,
                StableFor = TimeSpan.FromMilliseconds(stableMilliseconds),
            };
            var app = AcqSegHost.Build(settings, [new("SegmentWorker:Diameter", "30")]);
            app.StartAsync().GetAwaiter().GetResult();
            try
            {
                string loadBefore = Diagnostics.MachineInfo.LoadAverage();
                var rows = Measure(app, frames, watch, TimeSpan.FromSeconds(intervalSeconds));
                Print(console.Out, rows, count, size, exact, intervalSeconds, stableMilliseconds);
                console.Out.WriteLine($"machine: {Diagnostics.MachineInfo.Describe()}; load average (1 min, every process on the machine) " +
                                      $"{loadBefore} at the start, {Diagnostics.MachineInfo.LoadAverage()} at the end");
                return CliApp.Ok;
            }
            finally
            {
                app.StopAsync().GetAwaiter().GetResult();
                app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private static List<Timing> Measure(
        Microsoft.AspNetCore.Builder.WebApplication app, List<string> frames, string watch, TimeSpan interval)
    {
        string token = AddBenchCuratorAsync(app.Services.GetRequiredService<CuratorStore>()).GetAwaiter().GetResult();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var stop = new CancellationTokenSource();
        var received = new ConcurrentDictionary<string, Received>(StringComparer.Ordinal);
        var response = http.Send(new HttpRequestMessage(HttpMethod.Get, "/api/events?acquisition=*acq1"), HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET /api/events answered {(int)response.StatusCode} during the benchmark");
        var reader = Task.Run(async () =>
        {
            await using var body = await response.Content.ReadAsStreamAsync(stop.Token);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(stop.Token))
            {
                var at = DateTimeOffset.UtcNow;
                if (item.EventType is not (FrameEventTypes.Segmented or FrameEventTypes.Failed)) continue;
                var data = JsonDocument.Parse(item.Data).RootElement.Clone();
                received[data.GetProperty("path").GetString()!] = new Received(at, data, item.EventType);
            }
        });
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            // The warm-up frame loads the model; it is waited for, then the timed frames follow at the interval.
            Drop(frames[0], watch);
            WaitFor(received, [Path.Combine(watch, Path.GetFileName(frames[0]))], TimeSpan.FromMinutes(5), lifetime, reader);
            var complete = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var clock = Stopwatch.StartNew();
            for (int i = 1; i < frames.Count; i++)
            {
                var due = interval * (i - 1) - clock.Elapsed;
                if (due > TimeSpan.Zero) Thread.Sleep(due);
                complete[Drop(frames[i], watch)] = DateTimeOffset.UtcNow;
            }
            WaitFor(received, complete.Keys, TimeSpan.FromMinutes(2) + interval * frames.Count, lifetime, reader);
            return complete.Select(kv =>
            {
                var r = received[kv.Key];
                if (r.Type != FrameEventTypes.Segmented)
                    throw new InvalidOperationException($"benchmark frame {kv.Key} failed: {r.Data.GetProperty("reason").GetString()}");
                return new Timing(kv.Value, r.Data.GetProperty("acquiredAt").GetDateTimeOffset(), r.Data.GetProperty("segmentedAt").GetDateTimeOffset(), r.At,
                    r.Data.GetProperty("segmentSeconds").GetDouble());
            }).ToList();
        }
        finally
        {
            stop.Cancel();
            response.Dispose();
            try
            {
                reader.GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
            {
                // The reader was stopped on purpose.
            }
        }
    }

    /// <summary>Moves a staged frame into the watched folder (one rename: it appears complete); returns its path there.</summary>
    private static string Drop(string staged, string watch)
    {
        string target = Path.Combine(watch, Path.GetFileName(staged));
        File.Move(staged, target);
        return target;
    }

    private static void WaitFor(ConcurrentDictionary<string, Received> received, IEnumerable<string> paths, TimeSpan limit,
        IHostApplicationLifetime lifetime, Task reader)
    {
        var wanted = paths.ToList();
        var clock = Stopwatch.StartNew();
        while (!wanted.All(received.ContainsKey))
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested) throw new InvalidOperationException("the service stopped during the events benchmark");
            if (reader.IsCompleted) throw new InvalidOperationException("the event stream ended during the benchmark", reader.Exception);
            if (clock.Elapsed > limit)
                throw new TimeoutException($"{wanted.Count(p => !received.ContainsKey(p))} of {wanted.Count} benchmark frames had no event after {limit.TotalSeconds:F0} s");
            Thread.Sleep(20);
        }
    }

    /// <summary>A curator of the benchmark's own database with an API token, as `acqseg users add` + `users token` make them.</summary>
    private static async Task<string> AddBenchCuratorAsync(CuratorStore curators)
    {
        await curators.TryAddAsync("bench", CuratorPasswords.Hash("bench", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));
        var (token, sha) = CuratorPasswords.NewToken();
        await curators.AddTokenAsync("bench", sha);
        return token;
    }

    private static void Print(TextWriter o, List<Timing> rows,
        int count, int size, bool exact, double interval, int stableMilliseconds)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(inv,
            $"| {count} frames {size}x{size} at one per {interval:0.###} s, {(exact ? "exact" : "fast")} path, watcher stability wait {stableMilliseconds} ms | p50 s | p95 s | max s |"));
        o.WriteLine("|---|---|---|---|");
        void Line(string what, Func<Timing, TimeSpan> part)
        {
            var seconds = rows.Select(r => part(r).TotalSeconds).Order().ToList();
            o.WriteLine(string.Create(inv,
                $"| {what} | {PipelineSnapshot.Percentile(seconds, 0.5):0.000} | {PipelineSnapshot.Percentile(seconds, 0.95):0.000} | {seconds[^1]:0.000} |"));
        }
        Line("**file complete -> event received (SSE client)**", r => r.Received - r.Complete);
        Line("file complete -> registered (watcher: stability wait, polling, hash)", r => r.Acquired - r.Complete);
        Line("registered -> segmented (queue, segmentation, outputs)", r => r.Segmented - r.Acquired);
        // Above the interval, frames queue up and the latency grows with each frame: the worker, not the stream, is short.
        Line("  of which the worker's own time per frame (read to outputs written)", r => TimeSpan.FromSeconds(r.SegmentSeconds));
        Line("segmented -> event received (bus, review host, stream)", r => r.Received - r.Segmented);
        int late = rows.Count(r => (r.Received - r.Complete).TotalSeconds > interval);
        o.WriteLine(string.Create(inv, $"frames whose event came later than one frame interval ({interval:0.###} s): {late} of {rows.Count}"));
    }
}
