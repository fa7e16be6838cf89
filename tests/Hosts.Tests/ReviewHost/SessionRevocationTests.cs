using System.Net;
using System.Net.Http.Json;
using AcqSeg.Cli;
using AcqSeg.ReviewHost.Curators;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>
/// Ending access (issue 20, item 3): logout ends saved copies of the session cookie, `users remove` and
/// `users revoke-token` hold from the next request, and repeated wrong passwords lock the name out (429, Retry-After).
/// </summary>
public class SessionRevocationTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static async Task AssertStatus(HttpResponseMessage r, HttpStatusCode expected, string what) =>
        Assert.True(r.StatusCode == expected, $"{what}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");

    private static Task<HttpResponseMessage> Login(HttpClient c, string name, string password) =>
        c.PostAsJsonAsync("/api/auth/login", new { name, password });

    [Fact]
    public async Task CookieSavedBeforeLogout_Is401After_AndSoIsTheCuratorsOtherSession()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync();
        var jar = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = host.BaseUrl };
        await AssertStatus(await Login(browser, "alice", ReviewHostFixture.Password), HttpStatusCode.OK, "sign-in");
        string saved = jar.GetCookieHeader(host.BaseUrl);
        Assert.Contains("acqseg.session=", saved);
        using var replay = host.Anonymous();
        replay.DefaultRequestHeaders.Add("Cookie", saved);
        await AssertStatus(await replay.GetAsync("/api/queue"), HttpStatusCode.OK, "saved cookie before logout");
        using var otherSession = await host.SignedInAsync("alice");

        var session = await browser.GetFromJsonAsync<ReviewHostFixture.SessionBody>("/api/auth/session");
        browser.DefaultRequestHeaders.Add(session!.CsrfHeader, session.CsrfToken);
        await AssertStatus(await browser.PostAsync("/api/auth/logout", null), HttpStatusCode.OK, "logout");

        foreach (string read in new[] { "/api/queue", $"/api/frames/{frame}", $"/api/frames/{frame}/image.png" })
        {
            await AssertStatus(await replay.GetAsync(read), HttpStatusCode.Unauthorized, $"saved cookie after logout, GET {read}");
            await AssertStatus(await otherSession.GetAsync(read), HttpStatusCode.Unauthorized, $"other session after logout, GET {read}");
        }
        // Signing in again gives a working session with the new stamp.
        using var again = await host.SignedInAsync("alice");
        await AssertStatus(await again.GetAsync("/api/queue"), HttpStatusCode.OK, "new session");
    }

    [Fact]
    public async Task UsersRemove_EndsSessionsTokensAndClaimsAtOnce_NameIsNotReused()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        host.AddCurator("bob");
        var frame = await host.SeedFlaggedAsync();
        using var cookie = await host.SignedInAsync("alice");
        using var script = host.WithToken(host.TokenFor("alice"));
        await AssertStatus(await cookie.GetAsync("/api/queue"), HttpStatusCode.OK, "cookie before removal");
        await AssertStatus(await script.PostAsync($"/api/frames/{frame}/claim", null), HttpStatusCode.OK, "claim before removal");

        var removed = Cli("users", "remove", "alice", "--db", host.DatabasePath);
        Assert.True(removed.Code == CliApp.Ok, removed.Err);
        Assert.Contains("curator alice removed; sessions ended, 1 API token(s) revoked", removed.Out);

        await AssertStatus(await cookie.GetAsync("/api/queue"), HttpStatusCode.Unauthorized, "cookie after removal");
        await AssertStatus(await script.GetAsync("/api/queue"), HttpStatusCode.Unauthorized, "token after removal");
        using var stranger = host.Anonymous();
        await AssertStatus(await Login(stranger, "alice", ReviewHostFixture.Password), HttpStatusCode.Unauthorized, "sign-in after removal");
        // Alice's claim went with her: bob can take the frame now.
        using var bob = host.WithToken(host.TokenFor("bob"));
        await AssertStatus(await bob.PostAsync($"/api/frames/{frame}/claim", null), HttpStatusCode.OK, "bob claims alice's frame");

        Assert.DoesNotContain("alice", Cli("users", "list", "--db", host.DatabasePath).Out);
        var readd = CliApp.Run(["users", "add", "alice", "--db", host.DatabasePath, "--password-stdin"], new StringWriter(), new StringWriter(),
            new StringReader(ReviewHostFixture.Password + "\n"));
        Assert.Equal(CliApp.UsageError, readd);
        var again = Cli("users", "remove", "alice", "--db", host.DatabasePath);
        Assert.Equal(CliApp.UsageError, again.Code);
        Assert.Contains("does not exist (or was removed already)", again.Err);
    }

    [Fact]
    public async Task UsersRevokeToken_ByIdByTokenOrAll_RefusedFromTheNextRequest_OthersKeepWorking()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("bot");
        string first = host.TokenFor("bot"), second = host.TokenFor("bot"), third = host.TokenFor("bot");
        string firstId = CuratorPasswords.TokenSha256(first)[..12];
        Assert.Contains(firstId, Cli("users", "list", "--db", host.DatabasePath).Out);
        Assert.Contains("token id ", Cli("users", "token", "bot", "--db", host.DatabasePath).Err);
        using var c1 = host.WithToken(first);
        using var c2 = host.WithToken(second);
        using var c3 = host.WithToken(third);
        await AssertStatus(await c1.GetAsync("/api/queue"), HttpStatusCode.OK, "first token before");

        var byId = Cli("users", "revoke-token", firstId, "--db", host.DatabasePath);
        Assert.True(byId.Code == CliApp.Ok, byId.Err);
        Assert.Contains($"API token {firstId} of bot revoked", byId.Out);
        await AssertStatus(await c1.GetAsync("/api/queue"), HttpStatusCode.Unauthorized, "first token after revoking it");
        await AssertStatus(await c2.GetAsync("/api/queue"), HttpStatusCode.OK, "second token after revoking the first");

        Assert.Equal(CliApp.Ok, Cli("users", "revoke-token", second, "--db", host.DatabasePath).Code);
        await AssertStatus(await c2.GetAsync("/api/queue"), HttpStatusCode.Unauthorized, "second token after revoking it by value");
        await AssertStatus(await c3.GetAsync("/api/queue"), HttpStatusCode.OK, "third token still");

        // `users token` above made a fourth: --all-of takes both that remain.
        var all = Cli("users", "revoke-token", "--all-of", "bot", "--db", host.DatabasePath);
        Assert.Contains("2 API token(s) of bot revoked", all.Out);
        await AssertStatus(await c3.GetAsync("/api/queue"), HttpStatusCode.Unauthorized, "third token after --all-of");

        Assert.Contains("no API token with id", Cli("users", "revoke-token", firstId, "--db", host.DatabasePath).Err);
        Assert.Contains("neither a token", Cli("users", "revoke-token", "xyz", "--db", host.DatabasePath).Err);
        Assert.Contains("give one token id", Cli("users", "revoke-token", "--db", host.DatabasePath).Err);
        Assert.Contains("give one token id", Cli("users", "revoke-token", firstId, "--all-of", "bot", "--db", host.DatabasePath).Err);
        Assert.Equal(CliApp.UsageError, Cli("users", "revoke-token", "--all-of", "nobody", "--db", host.DatabasePath).Code);
    }

    [Fact]
    public async Task TwentyFiveWrongPasswords_ThenTheRightOne_Is429WithRetryAfter_ForUnknownNamesToo()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        host.AddCurator("bob");
        using var c = host.Anonymous();
        foreach (string name in new[] { "alice", "mallory" })
        {
            var statuses = new List<HttpStatusCode>();
            for (int i = 0; i < 25; i++) statuses.Add((await Login(c, name, $"wrong password {i}")).StatusCode);
            // The fifth failure locks the name; later ones are refused without a check. The same for a name that does not exist.
            Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 4).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 21)), statuses);
        }
        var right = await Login(c, "alice", ReviewHostFixture.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        var retry = right.Headers.RetryAfter?.Delta;
        Assert.True(retry > TimeSpan.Zero && retry <= TimeSpan.FromMinutes(5), $"Retry-After {retry}");
        Assert.Contains("too many failed sign-ins for 'alice'", await right.Content.ReadAsStringAsync());
        Assert.Contains("locked out until", Cli("users", "list", "--db", host.DatabasePath).Out);
        // The lockout is the name's, not everyone's.
        await AssertStatus(await Login(c, "bob", ReviewHostFixture.Password), HttpStatusCode.OK, "bob");
    }

    [Fact]
    public async Task Lockout_EndsAfterItsTime_AndFailuresOutsideTheWindowDoNotAddUp()
    {
        await using var host = await ReviewHostFixture.StartAsync(
            [new("Review:LoginLockoutFailures", "2"), new("Review:LoginLockoutSeconds", "1"), new("Review:LoginFailureWindowSeconds", "1")]);
        host.AddCurator("alice");
        using var c = host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Login(c, "alice", "wrong password")).StatusCode);
        await Task.Delay(1300);
        // The first failure is out of the window: this one counts as the first again.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Login(c, "alice", "wrong password")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Login(c, "alice", "wrong password")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Login(c, "alice", ReviewHostFixture.Password)).StatusCode);
        await Task.Delay(1300);
        await AssertStatus(await Login(c, "alice", ReviewHostFixture.Password), HttpStatusCode.OK, "after the lockout");
    }

    [Theory]
    [InlineData("Review:LoginLockoutFailures", "0", "Review:LoginLockoutFailures must be 1-1000")]
    [InlineData("Review:LoginLockoutSeconds", "0", "Review:LoginLockoutSeconds must be 1-86400")]
    [InlineData("Review:LoginFailureWindowSeconds", "100000", "Review:LoginFailureWindowSeconds must be 1-86400")]
    public async Task LockoutOptions_Invalid_StopTheStartNamingTheKey(string key, string value, string message)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => ReviewHostFixture.StartAsync([new(key, value)]));
        Assert.Contains(message, ex.Message);
    }
}
