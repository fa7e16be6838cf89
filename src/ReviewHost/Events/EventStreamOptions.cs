using System.ComponentModel.DataAnnotations;

namespace AcqSeg.ReviewHost.Events;

/// <summary>The frame event stream (GET /api/events): per-client buffering, replay on reconnect, keep-alives.</summary>
public sealed class EventStreamOptions
{
    public const string SectionName = "Review:Events";

    /// <summary>Events queued for one client; a client that falls this far behind is dropped (it may reconnect and resume).</summary>
    [Range(1, 100_000, ErrorMessage = "Review:Events:ClientBuffer must be 1-100000: the events queued for one stream client before it is dropped")]
    public int ClientBuffer { get; set; } = 256;

    /// <summary>The latest events this host keeps in memory for clients that reconnect with Last-Event-ID; 0 = none.</summary>
    [Range(0, 100_000, ErrorMessage = "Review:Events:ReplayEvents must be 0-100000: the latest events kept for clients that reconnect")]
    public int ReplayEvents { get; set; } = 1000;

    /// <summary>A comment line is sent after this many idle seconds so proxies keep the connection open; the client's
    /// credentials are checked again at the same time.</summary>
    [Range(1, 3600, ErrorMessage = "Review:Events:HeartbeatSeconds must be 1-3600: idle seconds between keep-alive comments")]
    public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>Streams open at once on this host; further requests get 503.</summary>
    [Range(1, 10_000, ErrorMessage = "Review:Events:MaxClients must be 1-10000: the event streams one review host serves at once")]
    public int MaxClients { get; set; } = 100;
}
