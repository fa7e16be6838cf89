using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>A reader of GET /api/events (the BCL's SSE parser, as a .NET controller would read it), open once the
/// response headers arrived, which the host sends only after registering the client.</summary>
public sealed class EventStreamClient : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly CancellationTokenSource timeout;
    private readonly IAsyncEnumerator<SseItem<string>> items;

    private EventStreamClient(HttpResponseMessage response, Stream body, TimeSpan limit)
    {
        this.response = response;
        timeout = new CancellationTokenSource(limit);
        items = SseParser.Create(body).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
    }

    public static async Task<EventStreamClient> OpenAsync(HttpClient client, string query = "", string? lastEventId = null, TimeSpan? limit = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/events" + query);
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // The body is read only on failure: a stream's body does not end.
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Fail($"GET /api/events{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventStreamClient(response, await response.Content.ReadAsStreamAsync(), limit ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>The next event; fails the test when the stream ends or nothing comes within the limit.</summary>
    public async Task<SseItem<string>> NextAsync()
    {
        Assert.True(await items.MoveNextAsync(), "the event stream ended");
        return items.Current;
    }

    /// <summary>True when the server ended the stream (rather than sending another event).</summary>
    public async Task<bool> EndsAsync()
    {
        try
        {
            return !await items.MoveNextAsync();
        }
        catch (HttpIOException)
        {
            return true;
        }
    }

    public static JsonElement Data(SseItem<string> item) => JsonDocument.Parse(item.Data).RootElement;

    public async ValueTask DisposeAsync()
    {
        await timeout.CancelAsync();
        try
        {
            await items.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
            // Cancelled on purpose: the test is done with the stream.
        }
        response.Dispose();
        timeout.Dispose();
    }
}
