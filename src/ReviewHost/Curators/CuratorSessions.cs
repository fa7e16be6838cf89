using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using AcqSeg.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace AcqSeg.ReviewHost.Curators;

/// <summary>
/// Session cookies tied to the curator's security stamp (ASP.NET Core Identity's scheme): the cookie carries the stamp
/// it was issued with and holds only while the database has the same one, so rotating the stamp (logout,
/// `acqseg users remove`) ends every copy of the cookie, including one saved elsewhere.
/// </summary>
public static partial class CuratorSessions
{
    public static ClaimsPrincipal Principal(string curator, string stamp) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, curator), new Claim(CuratorAuth.StampClaim, stamp)], CuratorAuth.CookieScheme));

    /// <summary>Cookie event, every request: rejects the cookie when its curator is gone or its stamp is outdated.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        string? curator = context.Principal?.Identity?.Name;
        string? stamp = context.Principal?.FindFirstValue(CuratorAuth.StampClaim);
        var http = context.HttpContext;
        string? current = curator is null ? null : await http.RequestServices.GetRequiredService<CuratorStore>().SecurityStampAsync(curator, http.RequestAborted);
        if (current is not null && stamp is not null && current.Length > 0 && StampsEqual(stamp, current)) return;
        LogSessionRejected(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CuratorSessions).FullName!),
            curator ?? "(none)", current is null ? "no such curator (removed?)" : "security stamp changed (signed out)");
        context.RejectPrincipal();
        await http.SignOutAsync(CuratorAuth.CookieScheme);
    }

    internal static bool StampsEqual(string a, string b) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    [LoggerMessage(Level = LogLevel.Information, Message = "Session cookie of curator {Curator} refused: {Reason}")]
    private static partial void LogSessionRejected(ILogger logger, string curator, string reason);
}
