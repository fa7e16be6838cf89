using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace AcqSeg.Examples.AdaptiveController;

/// <summary>Where to read and what to write.</summary>
public sealed record ControllerSettings
{
    public required Uri Service { get; init; }
    public required string Token { get; init; }
    /// <summary>Acquisition names or patterns (* wildcards) to follow; empty = all.</summary>
    public IReadOnlyList<string> Acquisitions { get; init; } = [];
    /// <summary>The file the interval is written to (seconds, one line), for the microscope script to read.</summary>
    public required string RateFile { get; init; }
    public RuleSettings Rule { get; init; } = new();
    /// <summary>Stop after this many segmented frames; 0 = run until stopped.</summary>
    public int MaxFrames { get; init; }
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>A refusal the controller cannot fix by reconnecting (a bad token, a wrong address).</summary>
public sealed class ControllerException(string message) : Exception(message);

/// <summary>
/// Reads GET /api/events, feeds each result to the <see cref="IntervalRule"/> and writes its interval to the rate file
/// whenever it changes. A lost connection is retried with Last-Event-ID, so events the service still holds are not lost.
/// </summary>
public sealed class Controller(ControllerSettings settings, HttpClient http, TextWriter log)
{
    private readonly IntervalRule rule = new(settings.Rule);
    private string? lastEventId;
    private int frames;

    public async Task RunAsync(CancellationToken cancel)
    {
        WriteRate(rule.Interval);
        log.WriteLine(Invariant($"frame interval {rule.Interval:0.000} s written to {settings.RateFile}"));
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                if (await ReadStreamAsync(cancel)) return;
                log.WriteLine("the event stream ended (the service stopped or dropped this client); reconnecting");
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancel.IsCancellationRequested)
            {
                log.WriteLine($"event stream lost: {ex.Message}; reconnecting in {settings.ReconnectDelay.TotalSeconds:0} s");
            }
            await Task.Delay(settings.ReconnectDelay, cancel);
        }
    }

    /// <summary>True when <see cref="ControllerSettings.MaxFrames"/> frames were seen.</summary>
    private async Task<bool> ReadStreamAsync(CancellationToken cancel)
    {
        string query = string.Join("&", settings.Acquisitions.Select(a => "acquisition=" + Uri.EscapeDataString(a)));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(settings.Service, "/api/events" + (query.Length > 0 ? "?" + query : "")));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
            throw new ControllerException($"{request.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancel)}");
        response.EnsureSuccessStatusCode();
        log.WriteLine($"following {request.RequestUri}{(lastEventId is null ? "" : $" from event {lastEventId}")}");
        await using var body = await response.Content.ReadAsStreamAsync(cancel);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancel))
        {
            if (item.EventId is { Length: > 0 } id) lastEventId = id;
            var data = JsonDocument.Parse(item.Data).RootElement;
            Decision? decision = item.EventType switch
            {
                "segmented" => rule.OnSegmented(data.GetProperty("objectCount").GetInt32(), data.GetProperty("flagged").GetBoolean()),
                "failed" => rule.OnFailed(data.GetProperty("reason").GetString() ?? ""),
                _ => null,
            };
            if (item.EventType == "gap") log.WriteLine($"warning: {data.GetProperty("reason").GetString()}");
            if (decision is null) continue;
            string acquisition = data.GetProperty("acquisition").GetString() ?? "";
            if (decision.Changed) WriteRate(decision.Interval);
            log.WriteLine($"{acquisition}: {(decision.Alert ? "ALERT " : "")}{decision.Why}");
            if (item.EventType == "segmented" && settings.MaxFrames > 0 && ++frames >= settings.MaxFrames) return true;
        }
        return false;
    }

    /// <summary>Replaces the rate file at once (temp file + rename), so the microscope script never reads half a number.</summary>
    private void WriteRate(double seconds)
    {
        string full = Path.GetFullPath(settings.RateFile);
        string temp = full + ".tmp";
        File.WriteAllText(temp, seconds.ToString("0.000", CultureInfo.InvariantCulture) + "\n");
        File.Move(temp, full, overwrite: true);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
