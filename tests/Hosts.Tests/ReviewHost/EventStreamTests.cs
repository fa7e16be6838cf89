using System.Net;
using System.Net.Sockets;
using AcqSeg.Contracts;
using AcqSeg.ReviewHost.Events;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>
/// GET /api/events (issue 23) on `acqseg run`'s host: results published on its bus reach stream clients as SSE events,
/// reads need a curator, ?acquisition= filters, Last-Event-ID resumes, and a client that stops reading is dropped
/// without holding up the others.
/// </summary>
public class EventStreamTests
{
    private static FrameSegmented Segmented(string acquisition, int objects = 12, bool flagged = false, DateTimeOffset? written = null) =>
        new(Guid.NewGuid(), acquisition, $"/data/{acquisition}/f{objects}.tif", "nuclei", 3, objects, $"/out/{acquisition}/f{objects}_cp_masks.tif",
            null, null, $"/out/{acquisition}/f{objects}_cp_objects.csv", flagged, 0.42, DateTimeOffset.UtcNow, MeanObjectArea: 311.5,
            Reasons: flagged ? ["count_outlier"] : [], AcquiredAt: (written ?? DateTimeOffset.UtcNow).AddSeconds(0.3),
            FileWrittenAt: written ?? DateTimeOffset.UtcNow);

    [Fact]
    public async Task Anonymous_Is401_ACuratorSessionAndATokenBothGetTheStream()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var anonymous = host.Anonymous();
        var refused = await anonymous.GetAsync("/api/events");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("this request needs a curator", await refused.Content.ReadAsStringAsync());
        using var unknown = host.WithToken("acqseg_not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await unknown.GetAsync("/api/events")).StatusCode);

        using var token = host.Reader("script");
        host.AddCurator("alice");
        using var session = await host.SignedInAsync("alice", withCsrf: false);
        await using var byToken = await EventStreamClient.OpenAsync(token);
        await using var bySession = await EventStreamClient.OpenAsync(session);
        var message = Segmented("plate1");
        await host.Services.GetRequiredService<IBus>().Publish(message);
        foreach (var stream in new[] { byToken, bySession })
        {
            var item = await stream.NextAsync();
            Assert.Equal(FrameEventTypes.Segmented, item.EventType);
            Assert.Equal(message.FrameId, EventStreamClient.Data(item).GetProperty("frameId").GetGuid());
        }
    }

    [Fact]
    public async Task SegmentedAndFailedFrames_OnTheBus_ArriveAsEvents_WithTheirFieldsAndIds()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var reader = host.Reader();
        await using var stream = await EventStreamClient.OpenAsync(reader);
        var written = DateTimeOffset.UtcNow.AddSeconds(-2);
        var segmented = Segmented("run7/plate1", objects: 41, flagged: true, written: written);
        var failed = new FrameFailed(Guid.NewGuid(), "run7/plate1", "/data/run7/plate1/bad.tif", "not a TIFF (bad magic)", DateTimeOffset.UtcNow);
        var bus = host.Services.GetRequiredService<IBus>();
        await bus.Publish(segmented);
        await bus.Publish(failed);

        var first = await stream.NextAsync();
        Assert.Equal(FrameEventTypes.Segmented, first.EventType);
        Assert.StartsWith(host.Services.GetRequiredService<FrameEventHub>().StreamId + "-", first.EventId);
        var d = EventStreamClient.Data(first);
        Assert.Equal(segmented.FrameId, d.GetProperty("frameId").GetGuid());
        Assert.Equal("run7/plate1", d.GetProperty("acquisition").GetString());
        Assert.Equal(segmented.Path, d.GetProperty("path").GetString());
        Assert.Equal("nuclei", d.GetProperty("model").GetString());
        Assert.Equal(3, d.GetProperty("modelVersion").GetInt32());
        Assert.Equal(41, d.GetProperty("objectCount").GetInt32());
        Assert.Equal(311.5, d.GetProperty("meanObjectArea").GetDouble());
        Assert.True(d.GetProperty("flagged").GetBoolean());
        Assert.Equal(["count_outlier"], d.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray());
        Assert.Equal(segmented.SegmentedAt, d.GetProperty("segmentedAt").GetDateTimeOffset());
        Assert.Equal(written, d.GetProperty("fileWrittenAt").GetDateTimeOffset());
        // The file was written 2 s before the event: the latency the event reports covers that.
        double sinceWritten = d.GetProperty("secondsSinceFileWritten").GetDouble();
        Assert.InRange(sinceWritten, 2.0, 60.0);
        Assert.InRange(d.GetProperty("secondsSinceAcquired").GetDouble(), sinceWritten - 0.31, sinceWritten - 0.29);
        Assert.Equal(0.42, d.GetProperty("segmentSeconds").GetDouble());

        var second = await stream.NextAsync();
        Assert.Equal(FrameEventTypes.Failed, second.EventType);
        var f = EventStreamClient.Data(second);
        Assert.Equal(failed.FrameId, f.GetProperty("frameId").GetGuid());
        Assert.Equal("not a TIFF (bad magic)", f.GetProperty("reason").GetString());
        Assert.Equal(failed.Path, f.GetProperty("path").GetString());
        Assert.NotEqual(first.EventId, second.EventId);
    }

    [Fact]
    public async Task FrameSegmentedFromAnOlderSender_WithoutTheAddedProperties_ArrivesWithNullsForThem()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var reader = host.Reader();
        await using var stream = await EventStreamClient.OpenAsync(reader);
        var message = new FrameSegmented(Guid.NewGuid(), "plate1", "/data/plate1/a.tif", "nuclei", 1, 5, "/out/a_cp_masks.tif", null, null, null,
            false, 0.3, DateTimeOffset.UtcNow);
        await host.Services.GetRequiredService<IBus>().Publish(message);

        var d = EventStreamClient.Data(await stream.NextAsync());
        Assert.Equal(5, d.GetProperty("objectCount").GetInt32());
        foreach (string absent in new[] { "meanObjectArea", "reasons", "fileWrittenAt", "acquiredAt", "secondsSinceFileWritten", "secondsSinceAcquired" })
            Assert.Equal(System.Text.Json.JsonValueKind.Null, d.GetProperty(absent).ValueKind);
    }

    [Fact]
    public async Task AcquisitionFilter_OnlyMatchingAcquisitionsArrive_NamesAndWildcards()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var reader = host.Reader();
        await using var plate1 = await EventStreamClient.OpenAsync(reader, "?acquisition=plate1");
        await using var run7 = await EventStreamClient.OpenAsync(reader, "?acquisition=run7/*&acquisition=extra");
        await using var all = await EventStreamClient.OpenAsync(reader);
        var bus = host.Services.GetRequiredService<IBus>();
        var sent = new[] { Segmented("other"), Segmented("run7/a"), Segmented("plate1"), Segmented("plate10"), Segmented("extra"), Segmented("run7/b") };
        foreach (var m in sent) await bus.Publish(m);

        // Events arrive in the order published, so reading up to each filter's last match shows everything it let through.
        Assert.Equal(["plate1"], await AcquisitionsAsync(plate1, 1));
        Assert.Equal(["run7/a", "extra", "run7/b"], await AcquisitionsAsync(run7, 3));
        Assert.Equal(sent.Select(m => m.Acquisition).ToArray(), await AcquisitionsAsync(all, sent.Length));
        // Nothing else is queued for the plate1 client: the next event it gets is the next plate1 frame.
        var next = Segmented("plate1");
        await bus.Publish(Segmented("other"));
        await bus.Publish(next);
        Assert.Equal(next.FrameId, EventStreamClient.Data(await plate1.NextAsync()).GetProperty("frameId").GetGuid());
    }

    private static async Task<string[]> AcquisitionsAsync(EventStreamClient stream, int count)
    {
        var seen = new List<string>();
        for (int i = 0; i < count; i++) seen.Add(EventStreamClient.Data(await stream.NextAsync()).GetProperty("acquisition").GetString()!);
        return [.. seen];
    }

    [Fact]
    public async Task Reconnect_WithLastEventId_ReplaysTheMissedEvents_AnIdFromAnotherStartGetsAGapEvent()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var reader = host.Reader();
        var bus = host.Services.GetRequiredService<IBus>();
        string lastId;
        await using (var first = await EventStreamClient.OpenAsync(reader))
        {
            await bus.Publish(Segmented("plate1", objects: 1));
            lastId = (await first.NextAsync()).EventId!;
        }
        var missed = new[] { Segmented("plate1", objects: 2), Segmented("plate2", objects: 3) };
        foreach (var m in missed) await bus.Publish(m);
        // Published is not yet consumed: once a client sees the second (replayed or live), the host holds both, in order.
        await using (var witness = await EventStreamClient.OpenAsync(reader, "?acquisition=plate2", lastEventId: lastId))
            Assert.Equal(missed[1].FrameId, EventStreamClient.Data(await witness.NextAsync()).GetProperty("frameId").GetGuid());

        await using var resumed = await EventStreamClient.OpenAsync(reader, lastEventId: lastId);
        Assert.Equal(missed[0].FrameId, EventStreamClient.Data(await resumed.NextAsync()).GetProperty("frameId").GetGuid());
        Assert.Equal(missed[1].FrameId, EventStreamClient.Data(await resumed.NextAsync()).GetProperty("frameId").GetGuid());

        await using var foreign = await EventStreamClient.OpenAsync(reader, "?lastEventId=0badc0de-17");
        var gap = await foreign.NextAsync();
        Assert.Equal(FrameEventTypes.Gap, gap.EventType);
        Assert.Contains("not from this review host since its last start", EventStreamClient.Data(gap).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task RevokedToken_EndsItsOpenStream_AtTheNextHeartbeat()
    {
        await using var host = await ReviewHostFixture.StartAsync([new("Review:Events:HeartbeatSeconds", "1")]);
        host.AddCurator("script");
        string token = host.TokenFor("script");
        using var client = host.WithToken(token);
        await using var stream = await EventStreamClient.OpenAsync(client, limit: TimeSpan.FromSeconds(30));
        var curators = host.Services.GetRequiredService<AcqSeg.Persistence.CuratorStore>();
        Assert.True(await curators.RevokeTokenAsync(AcqSeg.ReviewHost.Curators.CuratorPasswords.TokenSha256(token)));

        Assert.True(await stream.EndsAsync(), "the stream of a revoked token must end");
    }

    [Fact]
    public async Task SignedOutSession_EndsItsOpenStream_AtTheNextHeartbeat()
    {
        await using var host = await ReviewHostFixture.StartAsync([new("Review:Events:HeartbeatSeconds", "1")]);
        host.AddCurator("alice");
        using var session = await host.SignedInAsync("alice");
        await using var stream = await EventStreamClient.OpenAsync(session, limit: TimeSpan.FromSeconds(30));
        var logout = await session.PostAsync("/api/auth/logout", null);
        Assert.True(logout.IsSuccessStatusCode, await logout.Content.ReadAsStringAsync());

        Assert.True(await stream.EndsAsync(), "the stream of a signed-out session must end");
    }

    [Fact]
    public async Task HostStopping_EndsOpenStreams_InsteadOfWaitingForThem()
    {
        var host = await ReviewHostFixture.StartAsync();
        try
        {
            using var reader = host.Reader();
            await using var stream = await EventStreamClient.OpenAsync(reader);
            var stopping = host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
            stopping.StopApplication();
            Assert.True(await stream.EndsAsync(), "an open stream must end when its host stops");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task ClientThatStopsReading_IsDropped_WhileAReadingClientGetsEveryEvent()
    {
        const int buffer = 64, batch = 50, limit = 40_000;
        await using var host = await ReviewHostFixture.StartAsync([new("Review:Events:ClientBuffer", buffer.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        using var reader = host.Reader();
        // A small receive window: the stalled client's socket fills after a few kilobytes instead of megabytes.
        host.AddCurator("stalled");
        using var stalledHttp = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = host.BaseUrl };
        stalledHttp.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", host.TokenFor("stalled"));
        await using var stalled = await EventStreamClient.OpenAsync(stalledHttp);
        await using var reading = await EventStreamClient.OpenAsync(reader);
        var hub = host.Services.GetRequiredService<FrameEventHub>();
        Assert.Equal(2, hub.ClientCount);

        // Published in batches the reading client keeps up with; the stalled one never reads.
        int published = 0;
        while (hub.ClientCount == 2 && published < limit)
        {
            for (int i = 0; i < batch; i++, published++)
                hub.Publish(FrameEventTypes.Segmented, "plate1", new { frame = published, padding = new string('x', 400) });
            for (int i = published - batch; i < published; i++)
                Assert.Equal(i, EventStreamClient.Data(await reading.NextAsync()).GetProperty("frame").GetInt32());
        }

        Assert.True(hub.ClientCount == 1, $"the stalled client was not dropped after {published} events");
        // The reading client is still served after the drop.
        hub.Publish(FrameEventTypes.Segmented, "plate1", new { frame = published });
        Assert.Equal(published, EventStreamClient.Data(await reading.NextAsync()).GetProperty("frame").GetInt32());
    }
}
