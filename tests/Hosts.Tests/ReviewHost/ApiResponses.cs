using System.Net;
using System.Text.Json;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>Reading the review API's answers in tests: the body, a refusal's status and message, a success's JSON.</summary>
internal static class ApiResponses
{
    public static async Task<string> Text(HttpResponseMessage r) => await r.Content.ReadAsStringAsync();

    /// <summary>Asserts the status and that the body (the problem details' message) mentions <paramref name="mentions"/>.</summary>
    public static async Task AssertStatus(HttpResponseMessage r, HttpStatusCode status, string mentions)
    {
        string body = await Text(r);
        Assert.True(r.StatusCode == status, $"expected {(int)status}, got {(int)r.StatusCode}: {body}");
        Assert.Contains(mentions, body, StringComparison.Ordinal);
    }

    /// <summary>The JSON body of a successful answer (a failure's status and body otherwise).</summary>
    public static async Task<JsonElement> Json(HttpResponseMessage r)
    {
        string body = await Text(r);
        Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}
