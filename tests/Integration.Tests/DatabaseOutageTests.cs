using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using Npgsql;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// PostgreSQL going away while frames arrive (a restart, a network cut) must not stop the watcher. `acqseg soak` found
/// that the first failed insert ended the watcher's loop, and the host with it, so no later frame counted (issue 20).
/// </summary>
public sealed class DatabaseOutageTests
{
    [SkippableFact]
    public async Task DatabaseCutWhileAFrameArrives_WatcherKeepsWatching_AndTheFrameEndsOnceWhenTheDatabaseIsBack()
    {
        await using var vhost = await Broker.CreateVirtualHostAsync();
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var direct = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        // The service reaches the database through a relay the test can cut; the shared server stays up.
        await using var relay = new TcpRelay(direct.Host!, direct.Port);
        string relayed = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = relay.Port }.ConnectionString;
        using var tmp = new TempFolder("acqseg-it-db-cut");
        string watch = tmp.Sub("watch");
        var settings = ServiceUnderTest.RealServerSettings(watch, tmp.Sub("out"), "synth", SharedData.Reference("cpnet_synth_e40.pth"), vhost.Bus, relayed);
        await using var service = await ServiceUnderTest.StartAsync(settings);

        await relay.CutAsync();
        Frames.WriteViaRename(Path.Combine(watch, "during_cut.tif"), Frames.TiffBytes(Frames.Nuclei(70).Image, 16));
        // Stable after 0.3 s, then several attempts to store it fail while the database is away.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(service.Stopping, "the service stopped because the database was away");

        relay.Restore();
        await Eventually.HoldsAsync("the frame segmented once the database is back", TimeSpan.FromMinutes(2), async () =>
        {
            var rows = await service.Frames.ListAsync();
            return (rows.Count == 1 && rows[0].State is FrameStates.Segmented or FrameStates.Flagged,
                string.Join(", ", rows.Select(r => $"{Path.GetFileName(r.Path)} {r.State}")));
        });
        Assert.False(service.Stopping);
    }
}
