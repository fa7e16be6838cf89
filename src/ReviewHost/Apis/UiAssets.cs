using System.Reflection;

namespace AcqSeg.ReviewHost.Apis;

/// <summary>
/// The curator pages, embedded in this assembly (ui/...). Only names present in the assembly can be served, so no
/// request path reaches the file system. Every page is same-origin only (CSP) and cannot be framed. Only the sign-in page
/// and what it loads are served without a curator; other pages send the browser to sign in, other assets answer 401.
/// </summary>
public static class UiAssets
{
    private const string Prefix = "ui/";
    public const string SignInPage = "/ui/signin.html";

    /// <summary>The sign-in page and the files it loads (signin.js imports api.js).</summary>
    public static readonly IReadOnlySet<string> Open = new HashSet<string>(StringComparer.Ordinal) { "signin.html", "app.css", "js/signin.js", "js/api.js" };

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static IEndpointRouteBuilder MapUiAssets(this IEndpointRouteBuilder app)
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            assets[name[Prefix.Length..]] = Read(assembly, name);
        }
        // Redirects only (no data), open so that a browser at the root ends on the sign-in page.
        app.MapGet("/", () => Results.Redirect("/ui/queue.html")).AllowAnonymous();
        app.MapGet("/ui", () => Results.Redirect("/ui/queue.html")).AllowAnonymous();
        app.MapGet("/ui/{**path}", (string? path, HttpContext http) =>
        {
            var response = http.Response;
            if ((path is null || !Open.Contains(path)) && http.User.Identity?.IsAuthenticated != true)
            {
                return path is not null && path.EndsWith(".html", StringComparison.Ordinal)
                    ? Results.Redirect($"{SignInPage}?next={Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)}")
                    // The scheme's own 401, which says why the credentials sent (a bad token) were refused.
                    : Results.Challenge();
            }
            if (path is null || !assets.TryGetValue(path, out var bytes))
                return Results.Problem($"no page '/ui/{path}'; the pages are {string.Join(", ", assets.Keys.Where(k => k.EndsWith(".html", StringComparison.Ordinal)).Order())}", statusCode: 404);
            response.Headers.CacheControl = "no-cache";
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers.XFrameOptions = "DENY";
            response.Headers.ContentSecurityPolicy =
                "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";
            response.Headers["Referrer-Policy"] = "same-origin";
            return Results.Bytes(bytes, ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream"));
        }).AllowAnonymous();
        return app;
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
