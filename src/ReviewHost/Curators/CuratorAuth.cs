using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace AcqSeg.ReviewHost.Curators;

/// <summary>
/// Who may write: curators signed in with the session cookie (browser; every write also carries the anti-forgery
/// header) or presenting a bearer token (scripts). Cross-site writes are refused by Origin before anything else.
/// </summary>
public static class CuratorAuth
{
    public const string Scheme = "curator";
    public const string CookieScheme = "curator-cookie";
    public const string BearerScheme = "curator-bearer";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";
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
                o.Events.OnRedirectToLogin = ctx => Results.Problem(SignInHint, statusCode: 401).ExecuteAsync(ctx.HttpContext);
                o.Events.OnRedirectToAccessDenied = ctx => Results.Problem("not allowed", statusCode: 403).ExecuteAsync(ctx.HttpContext);
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerScheme, _ => { });
        services.AddAuthorization();
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

    private sealed class CuratorWriteFilter(IAntiforgery antiforgery) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            if (CrossSiteRefusal(http.Request) is { } crossSite) return Results.Problem(crossSite, statusCode: 403);
            var auth = await http.AuthenticateAsync(Scheme);
            if (!auth.Succeeded)
            {
                string why = auth.Failure is { } f ? $"{f.Message}; " : "";
                // The frame list is the one read that needs a curator; every other guarded endpoint is a write.
                string what = HttpMethods.IsGet(http.Request.Method) ? "this request" : "this write";
                return Results.Problem($"{why}{what} needs a curator: {SignInHint}", statusCode: 401);
            }
            http.User = auth.Principal;
            if (auth.Ticket?.AuthenticationScheme == CookieScheme && !await antiforgery.IsRequestValidAsync(http))
                return Results.Problem(
                    $"anti-forgery token missing or invalid: send the {AntiforgeryHeader} header with the token from GET /api/auth/session", statusCode: 403);
            return await next(context);
        }
    }
}
