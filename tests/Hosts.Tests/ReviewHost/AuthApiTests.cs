using System.Net;
using System.Net.Http.Json;
using AcqSeg.Cli;
using AcqSeg.Persistence;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>Sign-in, sessions, tokens and who may write (unauthenticated, cross-site and forged writes refused).</summary>
public class AuthApiTests
{
    private static async Task<string> Detail(HttpResponseMessage r) => (await r.Content.ReadAsStringAsync());

    [Fact]
    public async Task Login_WrongPasswordOrUnknownName_BothRefusedWithTheSameMessage()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        using var c = host.Anonymous();
        var wrong = await c.PostAsJsonAsync("/api/auth/login", new { name = "alice", password = "not the password" });
        var unknown = await c.PostAsJsonAsync("/api/auth/login", new { name = "mallory", password = "whatever1" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Contains("unknown curator or wrong password", await Detail(wrong));
        Assert.Contains("unknown curator or wrong password", await Detail(unknown));
    }

    [Fact]
    public async Task Login_BadBodies_RefusedWithReasons()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var c = host.Anonymous();
        var form = await c.PostAsync("/api/auth/login", new FormUrlEncodedContent([new("name", "alice"), new("password", "x")]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        var empty = await c.PostAsJsonAsync("/api/auth/login", new { name = "alice" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("needs a name and a password", await Detail(empty));
        var junk = await c.PostAsync("/api/auth/login", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, junk.StatusCode);
        var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { name = "alice", password = "x" }) };
        foreign.Headers.Add("Origin", "http://evil.example");
        var crossSite = await c.SendAsync(foreign);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Contains("cross-site request refused", await Detail(crossSite));
    }

    [Fact]
    public async Task Session_AfterSignIn_NamesTheCurator_AndLogoutEndsIt()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        using var c = await host.SignedInAsync("alice");
        var logout = await c.PostAsync("/api/auth/logout", null);
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        var session = await c.GetFromJsonAsync<ReviewHostFixture.SessionBody>("/api/auth/session");
        Assert.Null(session!.Curator);
        Assert.False(string.IsNullOrEmpty(session.CsrfToken));
    }

    [Fact]
    public async Task Writes_WithoutCurator_Refused401_AndFrameStaysFlagged()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync();
        using var c = host.Anonymous();
        foreach (string path in new[] { "accept", "skip", "claim" })
        {
            var r = await c.PostAsync($"/api/frames/{frame}/{path}", null);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Contains("this write needs a curator", await Detail(r));
        }
        var correction = await c.PostAsync($"/api/frames/{frame}/correction", new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.Unauthorized, correction.StatusCode);
        var token = await c.PostAsync("/api/auth/tokens", null);
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
        Assert.Equal(FrameStates.Flagged, (await host.Frames.GetAsync(frame))!.State);
    }

    [Fact]
    public async Task CookieWrite_WithoutAntiforgeryHeader_Refused403()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync();
        using var c = await host.SignedInAsync("alice", withCsrf: false);
        var r = await c.PostAsync($"/api/frames/{frame}/accept", null);
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("anti-forgery token missing or invalid", await Detail(r));
        var forged = new HttpRequestMessage(HttpMethod.Post, $"/api/frames/{frame}/accept");
        forged.Headers.Add("X-CSRF-TOKEN", "forged-token");
        Assert.Equal(HttpStatusCode.Forbidden, (await c.SendAsync(forged)).StatusCode);
        Assert.Equal(FrameStates.Flagged, (await host.Frames.GetAsync(frame))!.State);
    }

    [Fact]
    public async Task CookieWrite_FromForeignOrigin_Refused403EvenWithToken()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync();
        using var c = await host.SignedInAsync("alice");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/frames/{frame}/accept");
        request.Headers.Add("Origin", "http://evil.example");
        var r = await c.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("Origin 'http://evil.example' is not this service", await Detail(r));
        var fetchSite = new HttpRequestMessage(HttpMethod.Post, $"/api/frames/{frame}/skip");
        fetchSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await c.SendAsync(fetchSite)).StatusCode);
        Assert.Equal(FrameStates.Flagged, (await host.Frames.GetAsync(frame))!.State);
    }

    [Fact]
    public async Task CookieWrite_SameOriginWithAntiforgery_AcceptsAndRecordsReviewer()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync();
        using var c = await host.SignedInAsync("alice");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/frames/{frame}/accept");
        request.Headers.Add("Origin", host.BaseUrl.GetLeftPart(UriPartial.Authority));
        var r = await c.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(FrameStates.Accepted, (await host.Frames.GetAsync(frame))!.State);
        Assert.Equal("alice", await new CuratorStore(host.Database).ReviewerAsync(frame));
    }

    [Fact]
    public async Task BearerToken_FromCli_WritesWithoutAntiforgery_UnknownTokenRefused()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("bot");
        var frame = await host.SeedFlaggedAsync();
        using var bad = host.WithToken("acqseg_not-a-token");
        var refused = await bad.PostAsync($"/api/frames/{frame}/skip", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("bearer token not recognised", await Detail(refused));
        using var good = host.WithToken(host.TokenFor("bot"));
        var ok = await good.PostAsync($"/api/frames/{frame}/skip", null);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("bot", await new CuratorStore(host.Database).ReviewerAsync(frame));
    }

    [Fact]
    public async Task TokenEndpoint_SignedInCurator_GetsAWorkingToken()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync();
        using var c = await host.SignedInAsync("alice");
        var body = await (await c.PostAsync("/api/auth/tokens", null)).Content.ReadFromJsonAsync<TokenBody>();
        using var script = host.WithToken(body!.Token);
        Assert.Equal(HttpStatusCode.OK, (await script.PostAsync($"/api/frames/{frame}/accept", null)).StatusCode);
    }

    private sealed record TokenBody(string Curator, string Token);

    [Fact]
    public void UsersCli_BadInputs_ExitWithUsageErrors()
    {
        using var tmp = new AcqSeg.TestSupport.TempFolder("acqseg-users");
        string db = tmp.File("a.db");
        int Run(string stdin, params string[] args) => CliApp.Run(args, new StringWriter(), new StringWriter(), new StringReader(stdin));
        // A database file that does not exist is refused (a mistyped path), unless --create asks for a new one.
        var missing = new StringWriter();
        Assert.Equal(CliApp.UsageError, CliApp.Run(["users", "add", "alice", "--db", db, "--password-stdin"], new StringWriter(), missing, new StringReader("long enough 1\n")));
        Assert.Contains("no such database file; give the service's database, or add --create to make a new one", missing.ToString());
        Assert.False(File.Exists(db));
        Assert.Equal(CliApp.Ok, Run("long enough 1\n", "users", "add", "alice", "--db", db, "--password-stdin", "--create"));
        Assert.Equal(CliApp.UsageError, Run("long enough 1\n", "users", "add", "alice", "--db", db, "--password-stdin"));
        Assert.Equal(CliApp.UsageError, Run("long enough 1\n", "users", "add", "a/b", "--db", db, "--password-stdin"));
        Assert.Equal(CliApp.UsageError, Run("short\n", "users", "add", "bob", "--db", db, "--password-stdin"));
        Assert.Equal(CliApp.UsageError, Run("", "users", "add", "bob", "--db", db, "--password-stdin"));
        // No terminal to prompt on and no --password-stdin.
        var err = new StringWriter();
        Assert.Equal(CliApp.UsageError, CliApp.Run(["users", "add", "bob", "--db", db], new StringWriter(), err, new StringReader("x\n")));
        Assert.Contains("--password-stdin", err.ToString());
        Assert.Equal(CliApp.UsageError, Run("", "users", "token", "nobody", "--db", db));
        var list = new StringWriter();
        Assert.Equal(CliApp.Ok, CliApp.Run(["users", "list", "--db", db], list, new StringWriter()));
        Assert.StartsWith("alice\t", list.ToString());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
