using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using AcqSeg.ReviewHost.Curators;
using AcqSeg.ReviewHost.Events;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AcqSeg.ReviewHost.Apis;

/// <summary>
/// GET /api/events: a server-sent-events stream of frame results for controllers that adapt the acquisition (one
/// "segmented" event per segmented frame, flagged or not, and one "failed" event per failed frame). Reading it needs a
/// curator, like every read. ?acquisition= (repeatable, * and ? wildcards) narrows it; Last-Event-ID (header, or
/// ?lastEventId= where a client cannot set headers) resumes from this host's in-memory buffer of the latest events.
/// </summary>
public static partial class EventsApi
{
    /// <summary>Sent as the stream's "retry:" field: how long a browser's EventSource waits before reconnecting.</summary>
    private const int RetryMilliseconds = 2000;

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").MapGet("/events", StreamAsync);
        return app;
    }

    private static async Task StreamAsync(HttpContext http, FrameEventHub hub, CuratorRecheck check, IOptions<EventStreamOptions> options,
        IHostApplicationLifetime lifetime, ILoggerFactory loggers, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "acquisition")] string[]? acquisition,
        string? lastEventId)
    {
        var logger = loggers.CreateLogger(typeof(EventsApi).FullName!);
        // A stream ends when the host stops, or the host's stop would wait for it (Kestrel lets requests finish first).
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var cancel = ends.Token;
        var filter = new AcquisitionFilter((acquisition ?? []).Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).ToList());
        StringValues header = http.Request.Headers["Last-Event-ID"];
        string? resumeFrom = !StringValues.IsNullOrEmpty(header) ? header.ToString() : lastEventId;
        string client = $"{http.User.CuratorName()}@{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort.ToString(CultureInfo.InvariantCulture)}";

        using var subscription = hub.Subscribe(client, filter, resumeFrom);
        if (subscription is null)
        {
            await Results.Problem($"this review host already serves {options.Value.MaxClients} event streams (Review:Events:MaxClients); " +
                                  "close one or raise the limit", statusCode: 503).ExecuteAsync(http);
            return;
        }

        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        // nginx and similar proxies buffer responses unless told not to; a buffered stream arrives in bursts.
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        LogConnected(logger, client, filter.ToString(), resumeFrom ?? "none", subscription.Replay.Count);
        string end = "client closed the stream";
        try
        {
            // The opening comment sends the headers at once: the client knows it is connected before the first frame.
            await WriteAsync(response, $"retry: {RetryMilliseconds.ToString(CultureInfo.InvariantCulture)}\n: acqseg frame events, stream {hub.StreamId}\n\n", cancel);
            if (subscription.Gap is { } gap)
                await WriteAsync(response, Format(FrameEventTypes.Gap, null, JsonSerializer.Serialize(new StreamGapEvent(resumeFrom!, gap), JsonSerializerOptions.Web)), cancel);
            foreach (var replayed in subscription.Replay) await WriteAsync(response, Format(replayed), cancel);
            end = await PumpAsync(http, subscription, check, TimeSpan.FromSeconds(options.Value.HeartbeatSeconds), cancel);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && cancel.IsCancellationRequested)
        {
            // The client went away, or the host stops, mid-write.
        }
        if (lifetime.ApplicationStopping.IsCancellationRequested) end = "the review host is stopping";
        LogDisconnected(logger, client, end);
    }

    /// <summary>Sends queued events as they come and a comment when idle; returns why the stream ended.</summary>
    private static async Task<string> PumpAsync(HttpContext http, FrameEventHub.Subscription subscription, CuratorRecheck check, TimeSpan heartbeat,
        CancellationToken cancel)
    {
        var events = subscription.Events;
        var batch = new StringBuilder();
        while (!cancel.IsCancellationRequested)
        {
            bool more;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                idle.CancelAfter(heartbeat);
                try
                {
                    more = await events.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    // Idle: a streamed response outlives the request's sign-in check, so the credentials are checked again here.
                    if (await check.RefusalAsync(http, cancel) is { } refusal) return refusal;
                    await WriteAsync(http.Response, ": keep-alive\n\n", cancel);
                    continue;
                }
            }
            if (!more) return subscription.Dropped ? "dropped for reading too slowly" : "stream closed";
            batch.Clear();
            while (events.TryRead(out var item)) batch.Append(Format(item));
            await WriteAsync(http.Response, batch.ToString(), cancel);
        }
        return "client closed the stream";
    }

    private static string Format(StreamEvent e) => Format(e.Type, e.Id, e.Data);

    // Compact JSON has no line breaks, so the data is one "data:" line.
    private static string Format(string type, string? id, string data) =>
        id is null ? $"event: {type}\ndata: {data}\n\n" : $"id: {id}\nevent: {type}\ndata: {data}\n\n";

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancel)
    {
        await response.WriteAsync(text, cancel);
        await response.Body.FlushAsync(cancel);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Event stream client {Client} connected (acquisitions {Acquisitions}, Last-Event-ID {LastEventId}, {Replayed} events replayed)")]
    private static partial void LogConnected(ILogger logger, string client, string acquisitions, string lastEventId, int replayed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event stream client {Client} disconnected: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string client, string reason);
}
