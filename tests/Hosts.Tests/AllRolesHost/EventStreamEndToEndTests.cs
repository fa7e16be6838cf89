using System.Globalization;
using AcqSeg.AllRolesHost;
using AcqSeg.Hosts.Tests.ReviewHost;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Curators;
using AcqSeg.ReviewHost.Events;
using AcqSeg.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Hosts.Tests.AllRolesHost;

/// <summary>`acqseg run` with a real model: a frame written into the watched folder reaches a stream client as one
/// "segmented" event whose numbers are the ones the service stored and wrote.</summary>
[Collection("torch")]
public class EventStreamEndToEndTests
{
    [SkippableFact]
    public async Task FrameWrittenIntoTheWatchedFolder_ArrivesOnTheStream_WithTheStoredCountTheObjectTablesMeanAreaAndItsLatency()
    {
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-events-e2e");
        string watch = tmp.Sub("watch");
        var settings = new RunSettings
        {
            WatchFolders = [watch], OutputFolder = tmp.Sub("out"), ModelName = "synth", ModelPath = model, ModelForEveryAcquisition = true,
            Http = "127.0.0.1:0", StableFor = TimeSpan.FromMilliseconds(300),
        };
        await using var app = AcqSegHost.Build(settings, [new("SegmentWorker:Diameter", "30")]);
        await app.StartAsync();
        try
        {
            await StreamOneFrameAsync(app, watch);
        }
        finally
        {
            await app.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    private static async Task StreamOneFrameAsync(Microsoft.AspNetCore.Builder.WebApplication app, string watch)
    {
        var curators = app.Services.GetRequiredService<CuratorStore>();
        await curators.TryAddAsync("controller", CuratorPasswords.Hash("controller", "a long enough password"));
        var (token, sha) = CuratorPasswords.NewToken();
        await curators.AddTokenAsync("controller", sha);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        await using var stream = await EventStreamClient.OpenAsync(http, "?acquisition=watch/plate1", limit: TimeSpan.FromMinutes(3));

        string frame = Path.Combine(Directory.CreateDirectory(Path.Combine(watch, "plate1")).FullName, "a.tif");
        File.Copy(SharedData.Reference("synth_256.tif"), frame);
        var item = await stream.NextAsync();

        Assert.Equal(FrameEventTypes.Segmented, item.EventType);
        var d = EventStreamClient.Data(item);
        Assert.Equal(frame, d.GetProperty("path").GetString());
        Assert.Equal("watch/plate1", d.GetProperty("acquisition").GetString());
        Assert.Equal("synth", d.GetProperty("model").GetString());
        var frames = app.Services.GetRequiredService<FrameStore>();
        var id = d.GetProperty("frameId").GetGuid();
        var stats = await frames.GetStatsAsync(id);
        Assert.Equal(stats!.ObjectCount, d.GetProperty("objectCount").GetInt32());
        Assert.True(stats.ObjectCount > 0);
        var areas = File.ReadAllLines(d.GetProperty("objectsPath").GetString()!).Skip(1)
            .Select(line => double.Parse(line.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(areas.Average(), d.GetProperty("meanObjectArea").GetDouble(), 9);
        Assert.Equal((await frames.GetReasonsAsync(id)).Select(r => r.Reason), d.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal((await frames.GetAsync(id))!.State == FrameStates.Flagged, d.GetProperty("flagged").GetBoolean());
        // File complete -> event: at least the watcher's stability wait, and more than registration -> event.
        double sinceWritten = d.GetProperty("secondsSinceFileWritten").GetDouble(), sinceAcquired = d.GetProperty("secondsSinceAcquired").GetDouble();
        Assert.True(sinceWritten >= 0.3, $"secondsSinceFileWritten {sinceWritten}");
        Assert.InRange(sinceAcquired, d.GetProperty("segmentSeconds").GetDouble(), sinceWritten);
    }
}
