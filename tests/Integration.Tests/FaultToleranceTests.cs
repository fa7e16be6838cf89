using System.Net.Http;
using AcqSeg.AllRolesHost;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// Crashes on RabbitMQ and PostgreSQL: a segment worker process killed in the middle of a frame, and the broker
/// restarted while frames arrive. Nothing may be lost and nothing done twice.
/// </summary>
public sealed class FaultToleranceTests
{
    private const string Lineage = "synth";
    private const string SegmentQueue = "segment-frame";

    [SkippableFact]
    public async Task SegmentWorkerKilledMidFrame_FrameIsRedeliveredToAnotherWorker_AndCompletedOnce()
    {
        await using var vhost = await Broker.CreateVirtualHostAsync();
        string bus = vhost.Bus;
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-it-kill");
        string watch = tmp.Sub("watch");
        string output = tmp.Sub("out");
        await using var database = await PostgresServer.CreateDatabaseAsync();
        RunSettings Settings() => ServiceUnderTest.RealServerSettings(watch, output, Lineage, model, bus, database.ConnectionString);
        var noOverrides = new Dictionary<string, string?>();

        // The worker that will crash: its own process, the only consumer of the segment queue.
        Assert.Equal(0u, await Broker.ConsumersAsync(vhost.Amqp, SegmentQueue));
        var doomedSettings = Settings();
        using var doomed = RoleProcess.Start("AcqSeg.SegmentWorker.dll", doomedSettings, noOverrides, tmp.Sub("worker1"));
        await Eventually.HoldsAsync("the worker process consuming", TimeSpan.FromMinutes(2), async () =>
            (!doomed.HasExited && await Broker.ConsumersAsync(vhost.Amqp, SegmentQueue) == 1, doomed.HasExited ? "exited: " + doomed.Log : "no consumer yet"));

        await using (var watcher = await ServiceUnderTest.StartRoleAsync(PipelineRole.Watcher, Settings()))
        {
            // A large frame keeps the worker busy for seconds (tiles of the full network on a CPU).
            var big = Frames.Nuclei(seed: 31, size: 1024);
            Frames.WriteViaRename(Path.Combine(watch, "big.tif"), Frames.TiffBytes(big.Image, 16));

            using var http = new HttpClient { BaseAddress = new Uri($"http://{doomedSettings.Http}/"), Timeout = TimeSpan.FromSeconds(10) };
            await Eventually.HoldsAsync("the worker process segmenting the frame", TimeSpan.FromMinutes(2), async () =>
            {
                string metrics;
                try
                {
                    metrics = await http.GetStringAsync("/metrics");
                }
                catch (HttpRequestException ex)
                {
                    // The bus consumes before the web server listens: under load the first polls find no port yet.
                    return (false, doomed.HasExited ? "exited: " + doomed.Log : $"metrics not served yet ({ex.Message})");
                }
                return (metrics.Contains("\nacqseg_frames_in_flight 1", StringComparison.Ordinal), doomed.HasExited ? "exited: " + doomed.Log : "not in flight");
            });
            await Task.Delay(TimeSpan.FromSeconds(1));
            doomed.Kill();

            var row = Assert.Single(await watcher.Frames.ListAsync());
            Assert.True(row.State == FrameStates.Acquired, $"the frame ended {row.State} before the kill; make it slower. Worker log:\n{doomed.Log}");

            // Another worker (in this process) gets the unacknowledged message once the broker sees the dead connection.
            await using var rescuer = await ServiceUnderTest.StartRoleAsync(PipelineRole.SegmentWorker, Settings());
            await Eventually.HoldsAsync("the frame completed by the second worker", TimeSpan.FromMinutes(3), async () =>
            {
                var r = (await rescuer.Frames.GetAsync(row.FrameId))!;
                return (r.State != FrameStates.Acquired, r.State);
            });

            var done = Assert.Single(await rescuer.Frames.ListAsync());
            Assert.Contains(done.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
            Assert.Equal(1, done.ModelVersion);
            // One set of outputs: no second masks file, no leftover partial file from the killed writer.
            var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(new[] { done.MasksPath, done.ObjectsPath }.Select(Path.GetFileName).Order(StringComparer.Ordinal), files);
        }
    }

    [SkippableFact]
    public async Task WatcherStartedBeforeAnySegmentWorker_FramesWaitAcquired_AndAreSegmentedOnceAWorkerConnects()
    {
        // A new virtual host: no segment queue exists, so RabbitMQ would drop a plain publish of FrameAcquired.
        await using var vhost = await Broker.CreateVirtualHostAsync();
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-it-no-worker");
        string watch = tmp.Sub("watch");
        await using var database = await PostgresServer.CreateDatabaseAsync();
        RunSettings Settings() => ServiceUnderTest.RealServerSettings(watch, tmp.Sub("out"), Lineage, model, vhost.Bus, database.ConnectionString);
        var fastRetry = new Dictionary<string, string?> { ["Watcher:UnroutedRetryMilliseconds"] = "300" };

        await using var watcher = await ServiceUnderTest.StartRoleAsync(PipelineRole.Watcher, Settings(), fastRetry);
        for (int i = 0; i < 3; i++)
            Frames.WriteViaRename(Path.Combine(watch, $"early_{i}.tif"), Frames.TiffBytes(Frames.Nuclei(60 + i).Image, 16));
        await Eventually.HoldsAsync("a frame stored", TimeSpan.FromMinutes(1), async () =>
        {
            int n = (await watcher.Frames.ListAsync()).Count;
            return (n >= 1, $"{n} rows");
        });
        // Several retry periods with nobody to deliver to: one frame probes, stored Acquired; the others wait unstored
        // (the watcher tracks them; a restarted watcher finds them again).
        await Task.Delay(TimeSpan.FromSeconds(2));
        var waiting = await watcher.Frames.ListAsync();
        Assert.Single(waiting);
        Assert.Equal(FrameStates.Acquired, waiting[0].State);
        Assert.Equal(0u, await Broker.ConsumersAsync(vhost.Amqp, SegmentQueue));

        await using var worker = await ServiceUnderTest.StartRoleAsync(PipelineRole.SegmentWorker, Settings());
        await Eventually.HoldsAsync("the waiting frames segmented", TimeSpan.FromMinutes(3), async () =>
        {
            var rows = await worker.Frames.ListAsync();
            return (rows.Count == 3 && rows.All(r => r.State is FrameStates.Segmented or FrameStates.Flagged),
                string.Join(", ", rows.Select(r => $"{Path.GetFileName(r.Path)} {r.State}")));
        });
    }

    [SkippableFact]
    public async Task RabbitMqRestartedDuringARun_FramesBeforeDuringAndAfter_AllEndInATerminalState()
    {
        await using var vhost = await Broker.CreateVirtualHostAsync();
        string bus = vhost.Bus;
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-it-broker-restart");
        string watch = tmp.Sub("watch");
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = ServiceUnderTest.RealServerSettings(watch, tmp.Sub("out"), Lineage, model, bus, database.ConnectionString);
        // Frequent rescans: a frame whose publish failed while the broker was away is stored Acquired and published
        // again by the next pass.
        await using var service = await ServiceUnderTest.StartAsync(settings, new Dictionary<string, string?> { ["Watcher:RescanSeconds"] = "2" });
        int seed = 40;
        void Drop(string name) => Frames.WriteViaRename(Path.Combine(watch, name), Frames.TiffBytes(Frames.Nuclei(seed++).Image, 16));
        async Task AllDoneAsync(int count, string when) => await Eventually.HoldsAsync($"{count} frames done {when}", TimeSpan.FromMinutes(4), async () =>
        {
            var rows = await service.Frames.ListAsync();
            return (rows.Count == count && rows.All(r => r.State != FrameStates.Acquired),
                $"{rows.Count} rows: " + string.Join(", ", rows.Select(r => $"{Path.GetFileName(r.Path)} {r.State}")));
        });

        for (int i = 0; i < 4; i++) Drop($"before_{i}.tif");
        await AllDoneAsync(4, "before the restart");

        await Broker.StopAppAsync();
        try
        {
            for (int i = 0; i < 4; i++) Drop($"during_{i}.tif");
            // Long enough for the watcher to find them and try to publish while the broker is away. The row is stored
            // before the publish (which waits for MassTransit to reconnect), and nothing segments without the broker.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var during = (await service.Frames.ListAsync()).Where(f => Path.GetFileName(f.Path).StartsWith("during_", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(during);
            Assert.All(during, f => Assert.Equal(FrameStates.Acquired, f.State));
        }
        finally
        {
            await Broker.StartAppAsync();
        }
        for (int i = 0; i < 4; i++) Drop($"after_{i}.tif");
        await AllDoneAsync(12, "after the restart");

        var all = await service.Frames.ListAsync();
        Assert.Equal(12, all.Select(f => f.Path).Distinct().Count());
        Assert.All(all, f => Assert.Contains(f.State, new[] { FrameStates.Segmented, FrameStates.Flagged }));
        Assert.All(all, f => Assert.True(File.Exists(f.MasksPath), f.MasksPath));
    }
}
