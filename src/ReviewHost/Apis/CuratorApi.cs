using System.Security.Claims;
using AcqSeg.Contracts;
using AcqSeg.Models;
using AcqSeg.Models.Zoo;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Curators;
using MassTransit;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AcqSeg.ReviewHost.Apis;

public sealed record LoginRequest(string? Name, string? Password);

public sealed record SessionDto(string? Curator, string CsrfToken, string CsrfHeader);

public sealed record ClaimDto(Guid FrameId, string Curator, string ClaimedAt, string ExpiresAt);

/// <summary>A queued frame; FileName is its image's name (the path's last part), as the acquisition wrote it.</summary>
public sealed record QueueFrameDto(Guid Id, string FileName, string Acquisition, string Model, int? ModelVersion, IReadOnlyList<ReviewReason> Reasons,
    string? CompletedAt, int? ObjectCount, int? Width, int? Height, ClaimDto? Claim);

public sealed record QueueDto(IReadOnlyList<QueueFrameDto> Frames, IReadOnlyList<ReasonCount> ReasonCounts, int Flagged);

public sealed record ModelVersionDto(int Version, int? ParentVersion, double? ApBefore, double? ApAfter, string CreatedAt, int CorrectedFrames, bool Live);

public sealed record LineageDto(string Model, int Latest, int Live, string? PinnedBy, IReadOnlyList<string> Acquisitions, IReadOnlyList<ModelVersionDto> Versions)
{
    /// <summary>Data licences the live version carries (its zoo base's lineage, plus curated corrections once fine-tuned here).</summary>
    public IReadOnlyList<CarriedLicenceView> Licences { get; init; } = [];

    /// <summary>Set when the live version carries non-commercial data: the notice users must see.</summary>
    public string? NonCommercialNotice { get; init; }
}

public sealed record SetLiveRequest(int? Version);

/// <summary>
/// A zoo model as this service uses it: the zoo's current version, and the live version the service's registry gives it
/// (null until its first frame registers the zoo version as the lineage's base; pinned when a curator rolled back).
/// </summary>
public sealed record ZooModelDto(string Model, int? ZooVersion, int? Live, int? Latest, string? PinnedBy, string? Problem);

/// <summary>The zoo folder's models; <paramref name="Configured"/> is false when the service has no zoo (Models:ZooRoot).</summary>
public sealed record ZooDto(bool Configured, IReadOnlyList<ZooModelDto> Models);

/// <summary>Sign-in, API tokens, frame claims, the review queue view and model lineages (the curator UI's API).</summary>
public static class CuratorApi
{
    private static readonly string[] SortKeys = ["time", "-time", "objects", "-objects", "acquisition", "model"];

    public static IEndpointRouteBuilder MapCuratorApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth");
        // Open: the sign-in page needs both (the session answers who is signed in, null for nobody).
        auth.MapPost("/login", Login).AllowAnonymous();
        auth.MapPost("/logout", Logout).RequireCurator();
        auth.MapGet("/session", Session).AllowAnonymous();
        auth.MapPost("/tokens", NewToken).RequireCurator();

        var api = app.MapGroup("/api");
        api.MapGet("/queue", Queue);
        api.MapPost("/frames/{id:guid}/claim", Claim).RequireCurator();
        api.MapDelete("/frames/{id:guid}/claim", Release).RequireCurator();
        api.MapGet("/models", Models);
        api.MapGet("/models/zoo", Zoo);
        api.MapPost("/models/{model}/live", SetLive).RequireCurator();
        return app;
    }

    private static async Task<IResult> Login(HttpContext http, CuratorStore curators, LoginThrottle throttle, CancellationToken cancel)
    {
        if (CuratorAuth.CrossSiteRefusal(http.Request) is { } crossSite) return Results.Problem(crossSite, statusCode: 403);
        // JSON only: a cross-site form cannot send it without a CORS preflight this service never grants.
        if (!http.Request.HasJsonContentType()) return Results.Problem("sign-in takes JSON {\"name\": ..., \"password\": ...} (Content-Type: application/json)", statusCode: 415);
        LoginRequest? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync<LoginRequest>(cancel);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return Results.Problem($"sign-in body is not valid JSON: {ex.Message}", statusCode: 400);
        }
        if (string.IsNullOrEmpty(body?.Name) || string.IsNullOrEmpty(body.Password))
            return Results.Problem("sign-in needs a name and a password", statusCode: 400);
        var curator = await curators.GetAsync(body.Name, cancel);
        var now = DateTimeOffset.UtcNow;
        // Checked before the password: while locked out, even the right one is refused.
        if (throttle.RetryAfter(body.Name, curator, now) is { } wait) return LockedOut(http, body.Name, wait);
        string? rehash = null;
        // An unknown name costs a hash check too, and gets the same message: the answer must not reveal which names exist.
        bool verified = curator is null
            ? CuratorPasswords.VerifyNobody(body.Password)
            : CuratorPasswords.Verify(curator.Name, curator.PasswordHash, body.Password, out rehash);
        if (curator is null || !verified)
        {
            if (await throttle.FailedAsync(body.Name, curator, now, cancel) is { } lockout) return LockedOut(http, body.Name, lockout);
            return Results.Problem("unknown curator or wrong password", statusCode: 401);
        }
        await throttle.SucceededAsync(curator, cancel);
        if (rehash is not null) await curators.UpdatePasswordHashAsync(curator.Name, rehash, cancel);
        await http.SignInAsync(CuratorAuth.CookieScheme, CuratorSessions.Principal(curator.Name, curator.SecurityStamp));
        return Results.Ok(new { curator = curator.Name });
    }

    private static IResult LockedOut(HttpContext http, string name, TimeSpan wait)
    {
        int seconds = (int)Math.Ceiling(wait.TotalSeconds);
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(
            $"too many failed sign-ins for '{name}': sign-in is refused for {seconds} s more (Retry-After); check the name and password, or ask an operator ('acqseg users list')",
            statusCode: 429);
    }

    /// <summary>Ends this session and every other of the curator's sessions: the stamp their cookies carry changes.</summary>
    private static async Task<IResult> Logout(HttpContext http, ClaimsPrincipal user, CuratorStore curators, CancellationToken cancel)
    {
        string name = user.CuratorName();
        await curators.RotateSecurityStampAsync(name, cancel);
        await http.SignOutAsync(CuratorAuth.CookieScheme);
        return Results.Ok(new { signedOut = name });
    }

    /// <summary>Who is signed in, and the anti-forgery token the pages send with every write (bound to that curator).</summary>
    private static async Task<IResult> Session(HttpContext http, IAntiforgery antiforgery)
    {
        var auth = await http.AuthenticateAsync(CuratorAuth.Scheme);
        if (auth.Succeeded) http.User = auth.Principal;
        var tokens = antiforgery.GetAndStoreTokens(http);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new SessionDto(auth.Succeeded ? auth.Principal.CuratorName() : null, tokens.RequestToken!, CuratorAuth.AntiforgeryHeader));
    }

    private static async Task<IResult> NewToken(ClaimsPrincipal user, CuratorStore curators, CancellationToken cancel)
    {
        var (token, sha) = CuratorPasswords.NewToken();
        await curators.AddTokenAsync(user.CuratorName(), sha, cancel);
        return Results.Ok(new { curator = user.CuratorName(), token, id = CuratorStore.TokenId(sha) });
    }

    private static async Task<IResult> Queue(ReviewQueries queries, FrameClaimStore claims, string? acquisition, string? reason, string? model,
        string? sort, int? limit, CancellationToken cancel)
    {
        if (limit is < 1 or > 1000) return Results.Problem($"limit {limit} must be 1-1000", statusCode: 400);
        sort ??= "time";
        if (Array.IndexOf(SortKeys, sort) < 0) return Results.Problem($"sort '{sort}' is unknown; use one of {string.Join(", ", SortKeys)}", statusCode: 400);
        var rows = await queries.FlaggedAsync(100_000, cancel);
        var reasons = await queries.FlaggedReasonsAsync(cancel);
        var active = await claims.ActiveAllAsync(DateTimeOffset.UtcNow, cancel);
        var frames = new List<QueueFrameDto>();
        foreach (var r in rows)
        {
            var frameReasons = reasons.TryGetValue(r.Id, out var list) ? list : [];
            if (acquisition is not null && r.Acquisition != acquisition) continue;
            if (model is not null && r.Model != model) continue;
            if (reason is not null && !frameReasons.Exists(x => x.Reason == reason)) continue;
            var claim = active.TryGetValue(r.Id, out var c) ? new ClaimDto(Guid.Parse(c.FrameId), c.Curator, c.ClaimedAt, c.ExpiresAt) : null;
            frames.Add(new QueueFrameDto(Guid.Parse(r.Id), System.IO.Path.GetFileName(r.Path), r.Acquisition, r.Model, r.ModelVersion, frameReasons, r.CompletedAt, r.ObjectCount, r.Width, r.Height, claim));
        }
        IEnumerable<QueueFrameDto> ordered = sort switch
        {
            "-time" => frames.OrderByDescending(f => f.CompletedAt, StringComparer.Ordinal),
            "objects" => frames.OrderBy(f => f.ObjectCount),
            "-objects" => frames.OrderByDescending(f => f.ObjectCount),
            "acquisition" => frames.OrderBy(f => f.Acquisition, StringComparer.Ordinal).ThenBy(f => f.CompletedAt, StringComparer.Ordinal),
            "model" => frames.OrderBy(f => f.Model, StringComparer.Ordinal).ThenBy(f => f.CompletedAt, StringComparer.Ordinal),
            _ => frames,
        };
        return Results.Ok(new QueueDto(ordered.Take(limit ?? 200).ToList(), await queries.FlaggedReasonCountsAsync(cancel), rows.Count));
    }

    private static async Task<IResult> Claim(Guid id, ClaimsPrincipal user, FrameStore frames, FrameClaimStore claims, IOptions<ReviewOptions> options,
        CancellationToken cancel)
    {
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return Results.Problem($"frame {id} does not exist", statusCode: 404);
        if (frame.State != FrameStates.Flagged) return Results.Problem($"frame {id} is {frame.State}; only Flagged frames can be claimed", statusCode: 409);
        var outcome = await claims.TryClaimAsync(id, user.CuratorName(), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(options.Value.ClaimMinutes), cancel);
        var c = outcome.Claim;
        if (!outcome.Granted)
            return Results.Problem($"frame {id} is claimed by {c.Curator} until {c.ExpiresAt}; pick another frame", statusCode: 409,
                extensions: HeldBy(c.Curator, c.ExpiresAt));
        return Results.Ok(new ClaimDto(id, c.Curator, c.ClaimedAt, c.ExpiresAt));
    }

    private static async Task<IResult> Release(Guid id, ClaimsPrincipal user, FrameClaimStore claims, CancellationToken cancel)
    {
        if (await claims.ReleaseAsync(id, user.CuratorName(), cancel)) return Results.NoContent();
        return Results.Problem($"{user.CuratorName()} holds no claim on frame {id}", statusCode: 409);
    }

    /// <summary>Null when the curator may review the frame: nobody else holds an unexpired claim on it.</summary>
    public static async Task<IResult?> ClaimedByOtherAsync(Guid id, string curator, FrameClaimStore claims, CancellationToken cancel)
    {
        var claim = await claims.ActiveAsync(id, DateTimeOffset.UtcNow, cancel);
        return claim is not null && claim.Curator != curator
            ? Results.Problem($"frame {id} is claimed by {claim.Curator} until {claim.ExpiresAt}; only they can review it now", statusCode: 409,
                extensions: HeldBy(claim.Curator, claim.ExpiresAt))
            : null;
    }

    /// <summary>Who holds a claim and until when (UTC, ISO 8601), for the pages to show in the curator's local time.</summary>
    private static Dictionary<string, object?> HeldBy(string curator, string expiresAt) =>
        new() { ["claimedBy"] = curator, ["claimExpiresAt"] = expiresAt };

    private static async Task<IResult> Models(ReviewQueries queries, LiveModelStore live, ModelLicences licences, CancellationToken cancel)
    {
        var versions = await queries.AllVersionsAsync(cancel);
        var corrected = (await queries.CorrectedFramesAsync(cancel)).ToDictionary(c => (c.Model, c.ModelVersion), c => c.Frames);
        var result = new List<LineageDto>();
        foreach (var lineage in versions.GroupBy(v => v.Model, StringComparer.Ordinal))
        {
            int latest = lineage.Max(v => v.Version);
            var pin = await live.GetAsync(lineage.Key, cancel);
            int liveVersion = LiveModelStore.LiveVersion(pin, latest);
            var list = lineage.Select(v => new ModelVersionDto(v.Version, v.ParentVersion, v.ApBefore, v.ApAfter, v.CreatedAt,
                corrected.GetValueOrDefault((v.Model, v.Version)), v.Version == liveVersion)).ToList();
            var baseVersion = lineage.MinBy(v => v.Version)!;
            var carried = licences.Of(baseVersion, fineTunedHere: liveVersion > baseVersion.Version);
            var nc = carried.Where(c => c.NonCommercial).ToList();
            result.Add(new LineageDto(lineage.Key, latest, liveVersion, liveVersion != latest ? pin?.SetBy : null,
                await queries.AcquisitionsUsingAsync(lineage.Key, cancel), list)
            {
                Licences = carried,
                NonCommercialNotice = nc.Count == 0 ? null
                    : $"Non-commercial: v{liveVersion} carries data under {string.Join(", ", nc.Select(c => c.Title).Distinct())} ({string.Join("; ", nc.Select(c => $"{c.Data} via {c.Via}").Distinct())}); use it for non-commercial purposes only.",
            });
        }
        return Results.Ok(result);
    }

    /// <summary>
    /// Every model in the zoo folder with the version the service segments its frames with now: the registry's live
    /// version (<see cref="ModelStore.LiveAsync"/>, what the segment worker loads), beside the zoo's current version, which
    /// differs once curated fine-tunes were published here or a curator rolled back.
    /// </summary>
    private static async Task<IResult> Zoo(IOptions<ModelsOptions> options, ModelStore models, LiveModelStore live, CancellationToken cancel)
    {
        string root = options.Value.ZooRoot;
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root)) return Results.Ok(new ZooDto(false, []));
        var zoo = new ModelZoo(root);
        var result = new List<ZooModelDto>();
        foreach (string name in zoo.Names())
        {
            int? zooVersion = null;
            string? problem = null;
            try
            {
                zooVersion = zoo.Manifest(name).Current;
            }
            catch (ZooException ex)
            {
                problem = ex.Message;
            }
            var liveRow = await models.LiveAsync(name, cancel);
            var latest = await models.LatestAsync(name, cancel);
            string? pinnedBy = liveRow is not null && latest is not null && liveRow.Version != latest.Version ? (await live.GetAsync(name, cancel))?.SetBy : null;
            result.Add(new ZooModelDto(name, zooVersion, liveRow?.Version, latest?.Version, pinnedBy, problem));
        }
        return Results.Ok(new ZooDto(true, result));
    }

    /// <summary>
    /// Makes a version the lineage's live one (a roll back, or forward again). Workers read the live version for each
    /// frame; every acquisition on the lineage is announced as reassigned (ModelAssigned) so observers see the change.
    /// </summary>
    private static async Task<IResult> SetLive(string model, HttpRequest request, ClaimsPrincipal user, ModelStore models, LiveModelStore live,
        ReviewQueries queries, IPublishEndpoint publish, CancellationToken cancel)
    {
        SetLiveRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<SetLiveRequest>(cancel);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            return Results.Problem($"body must be JSON {{\"version\": N}}: {ex.Message}", statusCode: 400);
        }
        if (body?.Version is not int version || version < 1) return Results.Problem("body must be JSON {\"version\": N} with N >= 1", statusCode: 400);
        var latest = await models.LatestAsync(model, cancel);
        if (latest is null) return Results.Problem($"model lineage '{model}' has no versions", statusCode: 404);
        if (await models.GetAsync(model, version, cancel) is null)
            return Results.Problem($"model '{model}' has no version {version} (latest is {latest.Version})", statusCode: 404);
        await live.PinAsync(model, version, latest.Version, user.CuratorName(), cancel);
        var acquisitions = await queries.AcquisitionsUsingAsync(model, cancel);
        var now = DateTimeOffset.UtcNow;
        foreach (string acquisition in acquisitions)
            await publish.Publish(new ModelAssigned(acquisition, model, AssignmentSources.Operator, now), cancel);
        return Results.Ok(new { model, live = version, latest = latest.Version, acquisitions });
    }
}
