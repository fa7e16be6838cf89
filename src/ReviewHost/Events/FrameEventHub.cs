using System.Globalization;
using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace AcqSeg.ReviewHost.Events;

/// <summary>One event as sent: its id, SSE type, the acquisition it belongs to (for filters) and its JSON data.</summary>
public sealed record StreamEvent(long Sequence, string Id, string Type, string Acquisition, string Data);

/// <summary>Which acquisitions a client wants: all, or names and patterns (* and ? wildcards, case-insensitive).</summary>
public sealed class AcquisitionFilter(IReadOnlyList<string> patterns)
{
    public static readonly AcquisitionFilter All = new([]);

    public IReadOnlyList<string> Patterns { get; } = patterns;

    public bool Matches(string acquisition) =>
        Patterns.Count == 0 || Patterns.Any(p => FileSystemName.MatchesSimpleExpression(p, acquisition, ignoreCase: true));

    public override string ToString() => Patterns.Count == 0 ? "*" : string.Join(",", Patterns);
}

/// <summary>
/// Fans the frame events this host receives from the bus out to the connected stream clients. Each client has a
/// bounded queue; publishing never waits for a client: one whose queue is full is dropped (logged) and may reconnect
/// with Last-Event-ID. The latest events are kept in memory for such reconnects. Ids are "STREAM-SEQUENCE", STREAM
/// being new for each start of this host, so an id from before a restart or from another review host is recognised
/// and answered with a gap event instead of a wrong replay.
/// </summary>
public sealed partial class FrameEventHub(IOptions<EventStreamOptions> options, ILogger<FrameEventHub> logger)
{
    private readonly string stream = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly Lock gate = new();
    private readonly Queue<StreamEvent> recent = new();
    private readonly List<Subscription> clients = [];
    private long sequence;

    /// <summary>This host's stream id (the first part of every event id it sends).</summary>
    public string StreamId => stream;

    public int ClientCount
    {
        get
        {
            lock (gate) return clients.Count;
        }
    }

    /// <summary>Sends an event to every client whose filter matches; never blocks on a client.</summary>
    public StreamEvent Publish<T>(string type, string acquisition, T data)
    {
        string json = JsonSerializer.Serialize(data, JsonSerializerOptions.Web);
        List<Subscription>? dropped = null;
        StreamEvent item;
        lock (gate)
        {
            long seq = ++sequence;
            item = new StreamEvent(seq, $"{stream}-{seq.ToString(CultureInfo.InvariantCulture)}", type, acquisition, json);
            int keep = options.Value.ReplayEvents;
            if (keep > 0)
            {
                recent.Enqueue(item);
                while (recent.Count > keep) recent.Dequeue();
            }
            foreach (var client in clients)
            {
                if (!client.Filter.Matches(acquisition) || client.Queue.Writer.TryWrite(item)) continue;
                (dropped ??= []).Add(client);
            }
            if (dropped is not null)
                foreach (var client in dropped) clients.Remove(client);
        }
        foreach (var client in dropped ?? [])
        {
            client.Dropped = true;
            // Completing the queue ends the client's response once it has sent what was queued.
            client.Queue.Writer.TryComplete();
            AcqSegMetrics.EventStreamClients.Dec();
            AcqSegMetrics.EventStreamDrops.Inc();
            LogDropped(client.Client, options.Value.ClientBuffer, item.Id);
        }
        return item;
    }

    /// <summary>
    /// Registers a client; null when <see cref="EventStreamOptions.MaxClients"/> are connected. The events after
    /// <paramref name="lastEventId"/> that are still kept come in <see cref="Subscription.Replay"/>; when they are not
    /// (or the id is another stream's), <see cref="Subscription.Gap"/> says why.
    /// </summary>
    public Subscription? Subscribe(string client, AcquisitionFilter filter, string? lastEventId)
    {
        var o = options.Value;
        lock (gate)
        {
            if (clients.Count >= o.MaxClients) return null;
            var (replay, gap) = ReplayAfter(lastEventId, filter);
            var queue = Channel.CreateBounded<StreamEvent>(new BoundedChannelOptions(o.ClientBuffer) { SingleReader = true, SingleWriter = true });
            var subscription = new Subscription(this, client, filter, queue, replay, gap);
            clients.Add(subscription);
            AcqSegMetrics.EventStreamClients.Inc();
            return subscription;
        }
    }

    private (IReadOnlyList<StreamEvent> Replay, string? Gap) ReplayAfter(string? lastEventId, AcquisitionFilter filter)
    {
        if (string.IsNullOrWhiteSpace(lastEventId)) return ([], null);
        int dash = lastEventId.LastIndexOf('-');
        if (dash <= 0 || lastEventId[..dash] != stream
            || !long.TryParse(lastEventId.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long last) || last > sequence)
            return ([], $"event {lastEventId} is not from this review host since its last start (restarted, or another instance): " +
                        "events since then are not replayed");
        long oldestKept = recent.Count == 0 ? sequence + 1 : recent.Peek().Sequence;
        if (last + 1 < oldestKept)
            return ([], $"only the latest {options.Value.ReplayEvents} events are kept (Review:Events:ReplayEvents) and event {lastEventId} " +
                        $"is older: {oldestKept - last - 1} events in between are not replayed");
        return (recent.Where(e => e.Sequence > last && filter.Matches(e.Acquisition)).ToList(), null);
    }

    private void Remove(Subscription subscription)
    {
        lock (gate)
        {
            if (!clients.Remove(subscription)) return;
        }
        AcqSegMetrics.EventStreamClients.Dec();
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Event stream client {Client} dropped: it fell {ClientBuffer} events behind (Review:Events:ClientBuffer) at event {EventId}; it may reconnect with Last-Event-ID")]
    private partial void LogDropped(string client, int clientBuffer, string eventId);

    /// <summary>A connected client: its queue, the events to replay first, and whether it was dropped.</summary>
    public sealed class Subscription(FrameEventHub hub, string client, AcquisitionFilter filter, Channel<StreamEvent> queue,
        IReadOnlyList<StreamEvent> replay, string? gap) : IDisposable
    {
        public string Client { get; } = client;
        public AcquisitionFilter Filter { get; } = filter;
        internal Channel<StreamEvent> Queue { get; } = queue;
        public ChannelReader<StreamEvent> Events => Queue.Reader;
        public IReadOnlyList<StreamEvent> Replay { get; } = replay;
        public string? Gap { get; } = gap;

        /// <summary>True once the hub dropped this client for falling behind.</summary>
        public bool Dropped { get; internal set; }

        public void Dispose()
        {
            Queue.Writer.TryComplete();
            hub.Remove(this);
        }
    }
}
