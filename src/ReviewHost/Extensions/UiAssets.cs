using System.Reflection;

namespace AcqSeg.ReviewHost.Extensions;

/// <summary>
/// The curator pages, embedded in this assembly (ui/...). Only names present in the assembly can be served, so no
/// request path reaches the file system. Every page is same-origin only (CSP) and cannot be framed.
/// </summary>
public static class UiAssets
{
    private const string Prefix = "ui/";

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
        app.MapGet("/", () => Results.Redirect("/ui/queue.html"));
        app.MapGet("/ui", () => Results.Redirect("/ui/queue.html"));
        app.MapGet("/ui/{**path}", (string? path, HttpResponse response) =>
        {
            if (path is null || !assets.TryGetValue(path, out var bytes))
                return Results.Problem($"no page '/ui/{path}'; the pages are {string.Join(", ", assets.Keys.Where(k => k.EndsWith(".html", StringComparison.Ordinal)).Order())}", statusCode: 404);
            response.Headers.CacheControl = "no-cache";
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers.XFrameOptions = "DENY";
            response.Headers.ContentSecurityPolicy =
                "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";
            response.Headers["Referrer-Policy"] = "same-origin";
            return Results.Bytes(bytes, ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream"));
        });
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
