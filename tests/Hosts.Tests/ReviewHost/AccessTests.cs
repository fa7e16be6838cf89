using System.Net;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>
/// What a stranger gets (issue 20, item 2): every read needs a curator; only /health, the sign-in page and its assets
/// are open, and /metrics answers this machine unless Metrics:Access says otherwise.
/// </summary>
public class AccessTests
{
    private static string[] DataReads(Guid frame) =>
    [
        "/api/queue", "/api/review", "/api/models", "/api/models/zoo", "/api/frames", "/api/metrics", "/api/models/m/training-runs",
        $"/api/frames/{frame}", $"/api/frames/{frame}/pixels", $"/api/frames/{frame}/labels", $"/api/frames/{frame}/image.png",
        $"/api/frames/{frame}/outlines.png", $"/api/frames/{frame}/masks.tif", $"/api/frames/{frame}/thumbnail.png",
        $"/api/frames/{frame}/pixels?compact=true", $"/api/frames/{frame}/labels?compact=true", $"/api/frames/{frame}/flows.png",
        $"/api/frames/{frame}/cellprob.png",
        "/ui/js/queue.js", "/ui/js/editor.js",
    ];

    [Fact]
    public async Task EveryDataRead_Anonymous_Is401WithoutData_SameReadWithAToken_Is200()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        await host.AddModelVersionsAsync("m", 1);
        var frame = await host.SeedFlaggedAsync("secret-plate", flows: true);
        string path = (await host.Frames.GetAsync(frame))!.Path;
        using var anonymous = host.Anonymous();
        using var unknownToken = host.WithToken("acqseg_not-a-token");
        foreach (string read in DataReads(frame))
        {
            var r = await anonymous.GetAsync(read);
            string body = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.Unauthorized, $"anonymous GET {read}: {(int)r.StatusCode} {body}");
            Assert.Contains("this request needs a curator", body);
            Assert.DoesNotContain("secret-plate", body);
            Assert.DoesNotContain(path, body);
            var bad = await unknownToken.GetAsync(read);
            Assert.True(bad.StatusCode == HttpStatusCode.Unauthorized, $"unknown token GET {read}: {(int)bad.StatusCode}");
            string badBody = await bad.Content.ReadAsStringAsync();
            Assert.True(badBody.Contains("bearer token not recognised"), $"unknown token GET {read}: {badBody}");
        }
        // The same list read by a curator: every entry is a real, working read.
        using var curator = host.Reader();
        foreach (string read in DataReads(frame))
        {
            var r = await curator.GetAsync(read);
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"curator GET {read}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task HealthSignInPageAndItsAssets_AreOpen_OtherPagesSendTheBrowserToSignIn()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var c = host.Anonymous();
        foreach (string open in new[] { "/health", "/ui/signin.html", "/ui/app.css", "/ui/js/signin.js", "/ui/js/api.js", "/api/auth/session" })
        {
            var r = await c.GetAsync(open);
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"anonymous GET {open}: {(int)r.StatusCode}");
        }
        foreach (string page in new[] { "queue.html", "editor.html", "models.html", "throughput.html" })
        {
            var r = await c.GetAsync($"/ui/{page}?id=1");
            Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
            Assert.Equal($"/ui/signin.html?next=%2Fui%2F{page}%3Fid%3D1", r.Headers.Location!.OriginalString);
        }
        // A signed-in browser gets the pages themselves.
        host.AddCurator("alice");
        using var signedIn = await host.SignedInAsync("alice");
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/ui/queue.html")).StatusCode);
    }

    [Fact]
    public async Task Metrics_FromLoopback_Is200ByDefault_ClosedIs403()
    {
        await using (var host = await ReviewHostFixture.StartAsync())
        {
            using var c = host.Anonymous();
            var r = await c.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Contains("acqseg_frames_segmented_total", await r.Content.ReadAsStringAsync());
        }
        await using (var closed = await ReviewHostFixture.StartAsync([new("Metrics:Access", "closed")]))
        {
            using var c = closed.Anonymous();
            var r = await c.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Contains("Metrics:Access is 'closed'", await r.Content.ReadAsStringAsync());
            // The curators' copy for the throughput page still answers them.
            using var curator = closed.Reader();
            Assert.Equal(HttpStatusCode.OK, (await curator.GetAsync("/api/metrics")).StatusCode);
        }
    }

    [Theory]
    [InlineData("loopback", "127.0.0.1", true)]
    [InlineData("loopback", "::1", true)]
    [InlineData("loopback", "::ffff:127.0.0.1", true)]
    [InlineData("loopback", "192.0.2.7", false)]
    [InlineData("loopback", "2001:db8::7", false)]
    [InlineData("loopback", null, false)]
    [InlineData("open", "192.0.2.7", true)]
    [InlineData("closed", "127.0.0.1", false)]
    [InlineData("CLOSED", "::1", false)]
    public void MetricsRefusal_DecidesByAccessAndClient(string access, string? client, bool allowed)
    {
        var options = new MetricsOptions { Access = access };
        string? refusal = options.Refusal(client is null ? null : IPAddress.Parse(client));
        Assert.Equal(allowed, refusal is null);
        if (!allowed && access == "loopback") Assert.Contains("Metrics:AllowedNetworks", refusal);
    }

    [Fact]
    public void MetricsRefusal_AllowedNetworks_LetTheirClientsIn()
    {
        var options = new MetricsOptions { AllowedNetworks = ["172.16.0.0/12", "fd00::/8"] };
        Assert.Null(options.Refusal(IPAddress.Parse("172.18.0.5")));
        Assert.Null(options.Refusal(IPAddress.Parse("::ffff:172.18.0.5")));
        Assert.Null(options.Refusal(IPAddress.Parse("fd00::5")));
        Assert.NotNull(options.Refusal(IPAddress.Parse("172.32.0.5")));
    }

    [Theory]
    [InlineData("Metrics:Access", "sometimes", "Metrics:Access 'sometimes' is unknown")]
    [InlineData("Metrics:AllowedNetworks:0", "172.16.0.0", "Metrics:AllowedNetworks entry '172.16.0.0' is not a CIDR range")]
    public async Task MetricsOptions_Invalid_StopTheStartNamingTheKey(string key, string value, string message)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => ReviewHostFixture.StartAsync([new(key, value)]));
        Assert.Contains(message, ex.Message);
    }
}
