using AcqSeg.ReviewHost.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>The event stream's fan-out on its own: bounded queues per client, drops, replay after Last-Event-ID.</summary>
public class FrameEventHubTests
{
    private static FrameEventHub Hub(int clientBuffer = 4, int replay = 10) =>
        new(Options.Create(new EventStreamOptions { ClientBuffer = clientBuffer, ReplayEvents = replay }), NullLogger<FrameEventHub>.Instance);

    [Fact]
    public void ClientWithAFullQueue_IsDroppedAlone_PublishReturnsWithoutWaiting_TheOtherGetsEverything()
    {
        var hub = Hub(clientBuffer: 4);
        using var slow = hub.Subscribe("slow", AcquisitionFilter.All, null)!;
        using var fast = hub.Subscribe("fast", AcquisitionFilter.All, null)!;
        var received = new List<long>();
        for (int i = 0; i < 20; i++)
        {
            hub.Publish(FrameEventTypes.Segmented, "plate1", new { i });
            while (fast.Events.TryRead(out var e)) received.Add(e.Sequence);
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), received);
        Assert.True(slow.Dropped);
        Assert.False(fast.Dropped);
        Assert.Equal(1, hub.ClientCount);
        // The dropped client still gets what was queued before the drop, then its stream ends.
        var queued = new List<long>();
        while (slow.Events.TryRead(out var e)) queued.Add(e.Sequence);
        Assert.Equal([1, 2, 3, 4], queued);
        Assert.True(slow.Events.Completion.IsCompleted);
    }

    [Fact]
    public void LastEventId_ReplaysTheKeptEventsAfterIt_ThroughTheFilter_AnOlderOneGetsAGap()
    {
        var hub = Hub(replay: 5);
        var ids = Enumerable.Range(0, 8).Select(i => hub.Publish(FrameEventTypes.Segmented, i % 2 == 0 ? "even" : "odd", new { i }).Id).ToList();

        using var resumed = hub.Subscribe("a", new AcquisitionFilter(["ev*"]), ids[4])!;
        Assert.Null(resumed.Gap);
        Assert.Equal([ids[6]], resumed.Replay.Select(e => e.Id));

        // Kept: events 4-8 (ids[3..]); resuming after ids[2] misses nothing, after ids[1] misses ids[2].
        using var edge = hub.Subscribe("b", AcquisitionFilter.All, ids[2])!;
        Assert.Equal(ids[3..], edge.Replay.Select(e => e.Id));
        using var tooOld = hub.Subscribe("c", AcquisitionFilter.All, ids[1])!;
        Assert.Empty(tooOld.Replay);
        Assert.Contains("1 events in between are not replayed", tooOld.Gap);

        using var latest = hub.Subscribe("d", AcquisitionFilter.All, ids[^1])!;
        Assert.Empty(latest.Replay);
        Assert.Null(latest.Gap);
    }

    [Fact]
    public void MaxClients_Reached_SubscribeReturnsNull_UntilOneLeaves()
    {
        var hub = new FrameEventHub(Options.Create(new EventStreamOptions { MaxClients = 1 }), NullLogger<FrameEventHub>.Instance);
        var first = hub.Subscribe("a", AcquisitionFilter.All, null)!;
        Assert.Null(hub.Subscribe("b", AcquisitionFilter.All, null));
        first.Dispose();
        using var second = hub.Subscribe("b", AcquisitionFilter.All, null);
        Assert.NotNull(second);
    }
}
