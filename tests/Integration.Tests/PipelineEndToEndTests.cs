using AcqSeg.Cli;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// `acqseg run` with RabbitMQ as the bus and PostgreSQL as the database, scraped by a real Prometheus: a watch folder
/// with good, corrupt and truncated frames.
/// </summary>
public sealed class PipelineEndToEndTests
{
    private const string FrameAcquiredExchange = "AcqSeg.Contracts:FrameAcquired";
    private const string FrameSegmentedExchange = "AcqSeg.Contracts:FrameSegmented";
    private const string FrameFailedExchange = "AcqSeg.Contracts:FrameFailed";

    [SkippableFact]
    public async Task Run_OnRabbitMqAndPostgres_EveryFrameEndsOnceInPostgres_MessagesCrossTheBroker_AndPrometheusScrapesTheCounters()
    {
        string bus = Servers.RabbitMqBus;
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        string synth = SharedData.Reference("synth_256.tif");
        using var tmp = new TempFolder("acqseg-it-run");
        string watch = tmp.Sub("watch");
        File.Copy(synth, Path.Combine(watch, "a.tif"));
        Directory.CreateDirectory(Path.Combine(watch, "plate1"));
        File.Copy(synth, Path.Combine(watch, "plate1", "b.tif"));
        File.WriteAllBytes(Path.Combine(watch, "corrupt.tif"), [0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);
        byte[] whole = File.ReadAllBytes(synth);
        File.WriteAllBytes(Path.Combine(watch, "truncated.tif"), whole[..(whole.Length / 2)]);

        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var broker = await BrokerTap.OpenAsync(Servers.RabbitMq, FrameAcquiredExchange, FrameSegmentedExchange, FrameFailedExchange);
        int httpPort = PrometheusServer.FreePort();
        using var prometheus = await PrometheusServer.StartAsync($"127.0.0.1:{httpPort}");

        var o = new StringWriter();
        var e = new StringWriter();
        var store = new FrameStore(new Database(new DatabaseOptions { ConnectionString = database.ConnectionString }));
        int code = await Eventually.ExitsAsync(Task.Run(() => CliApp.Run(["run", "--watch", watch, "--out", tmp.Sub("out"), "--model", model,
            "--bus", bus, "--db", database.ConnectionString, "--http", $"127.0.0.1:{httpPort}",
            "--exit-when-idle", "3", "--stable-seconds", "0.3"], o, e)), TimeSpan.FromMinutes(6), store, o, e);

        Assert.True(code == CliApp.InputFailed, $"exit {code}; stdout {o}; stderr {e}");

        // PostgreSQL: each frame once, in exactly one terminal state.
        var frames = await store.ListAsync();
        Assert.Equal(4, frames.Count);
        Assert.Equal(4, frames.Select(f => f.Path).Distinct().Count());
        Assert.All(frames, f => Assert.Contains(f.State, FrameStates.Terminal));
        var failed = frames.Where(f => f.State == FrameStates.Failed).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        Assert.Equal(["corrupt.tif", "truncated.tif"], failed.Select(f => Path.GetFileName(f.Path)));
        Assert.All(failed, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
        var done = frames.Where(f => f.State is FrameStates.Segmented or FrameStates.Flagged).ToList();
        Assert.Equal(2, done.Count);
        Assert.All(done, f => Assert.True(File.Exists(f.MasksPath), f.MasksPath));

        // RabbitMQ: the events were published through the broker (copies bound to MassTransit's exchanges).
        Assert.Equal(4u, await broker.CountAsync(FrameAcquiredExchange));
        Assert.Equal(2u, await broker.CountAsync(FrameSegmentedExchange));
        Assert.Equal(2u, await broker.CountAsync(FrameFailedExchange));

        // Prometheus: it scraped this run's /metrics while the counter was up (the run has exited since, so read
        // the largest value over the window, not the now-stale instant value).
        double? segmented = await prometheus.QueryScalarAsync("sum(max_over_time(acqseg_frames_segmented_total[10m]))");
        Assert.True(segmented >= done.Count, $"Prometheus read acqseg_frames_segmented_total = {segmented?.ToString() ?? "nothing"}; targets {string.Join(", ", await prometheus.TargetsAsync())}");
        double? acquired = await prometheus.QueryScalarAsync("sum(max_over_time(acqseg_frames_acquired_total[10m]))");
        Assert.True(acquired >= 4, $"acqseg_frames_acquired_total = {acquired}");
    }
}
