using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace AcqSeg.ReviewHost.Curators;

/// <summary>
/// Who may read and write: curators signed in with the session cookie (browser; every write also carries the
/// anti-forgery header) or presenting a bearer token (scripts). Every endpoint needs one unless it opts out with
/// AllowAnonymous (health, sign-in and its page, metrics with their own gate). Cross-site writes are refused by Origin
/// before anything else. A cookie holds only while its security stamp matches the curator's (checked per request).
/// </summary>
public static class CuratorAuth
{
    public const string Scheme = "curator";
    public const string CookieScheme = "curator-cookie";
    public const string BearerScheme = "curator-bearer";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";
    /// <summary>The claim name ASP.NET Core Identity uses for the same purpose.</summary>
    public const string StampClaim = "AspNet.Identity.SecurityStamp";
    public const string SignInHint =
        "sign in as a curator (POST /api/auth/login, then send the X-CSRF-TOKEN header from GET /api/auth/session) or send 'Authorization: Bearer TOKEN' (acqseg users token NAME)";

    public static IServiceCollection AddCuratorAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? BearerScheme : CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "acqseg.session";
                o.Cookie.HttpOnly = true;
                // Strict: the browser never sends the session with a request started by another site.
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = ctx => Unauthorized(ctx.Request, null).ExecuteAsync(ctx.HttpContext);
                o.Events.OnRedirectToAccessDenied = ctx => Results.Problem("not allowed", statusCode: 403).ExecuteAsync(ctx.HttpContext);
                // Per request, not at Identity's default 30 min interval: logout and `users remove` must end a session at once.
                o.Events.OnValidatePrincipal = CuratorSessions.ValidateAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerScheme, _ => { });
        // Deny by default: an endpoint added later needs a curator unless it says AllowAnonymous.
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddSingleton<LoginThrottle>();
        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = "acqseg.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        return services;
    }

    /// <summary>Only authenticated curators, same-origin, with the anti-forgery header when the session cookie is used.</summary>
    public static RouteHandlerBuilder RequireCurator(this RouteHandlerBuilder endpoint) => endpoint.AddEndpointFilter<CuratorWriteFilter>();

    public static string CuratorName(this ClaimsPrincipal user) => user.Identity?.Name ?? throw new InvalidOperationException("no curator on this request");

    /// <summary>Null when the request comes from this service's own pages or from a non-browser client; else why it is refused.</summary>
    public static string? CrossSiteRefusal(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        if (!string.IsNullOrEmpty(origin))
        {
            string self = $"{request.Scheme}://{request.Host}";
            if (!string.Equals(origin, self, StringComparison.OrdinalIgnoreCase))
                return $"cross-site request refused: Origin '{origin}' is not this service ({self})";
        }
        string? fetchSite = request.Headers["Sec-Fetch-Site"];
        if (fetchSite is "cross-site" or "same-site")
            return $"cross-site request refused (Sec-Fetch-Site: {fetchSite})";
        return null;
    }

    /// <summary>The 401 for a request without a curator, with why the credentials sent were refused, if any.</summary>
    public static IResult Unauthorized(HttpRequest request, string? failure)
    {
        string why = failure is null ? "" : $"{failure}; ";
        string what = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) ? "this request" : "this write";
        return Results.Problem($"{why}{what} needs a curator: {SignInHint}", statusCode: 401);
    }

    private sealed class CuratorWriteFilter(IAntiforgery antiforgery) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            if (CrossSiteRefusal(http.Request) is { } crossSite) return Results.Problem(crossSite, statusCode: 403);
            var auth = await http.AuthenticateAsync(Scheme);
            if (!auth.Succeeded) return Unauthorized(http.Request, auth.Failure?.Message);
            http.User = auth.Principal;
            if (auth.Ticket?.AuthenticationScheme == CookieScheme && !await antiforgery.IsRequestValidAsync(http))
                return Results.Problem(
                    $"anti-forgery token missing or invalid: send the {AntiforgeryHeader} header with the token from GET /api/auth/session", statusCode: 403);
            return await next(context);
        }
    }
}
