using System.Security.Claims;
using AcqSeg.Persistence;

namespace AcqSeg.ReviewHost.Curators;

/// <summary>
/// Whether the credentials a long-lived response (the event stream) was opened with still hold. Sign-in is checked
/// when a request starts; a stream that runs for hours is checked again with this, so signing out, `acqseg users
/// remove` and a revoked token end it too.
/// </summary>
public sealed class CuratorRecheck(CuratorStore curators)
{
    /// <summary>Null while the request's curator and credentials are still valid, else why not.</summary>
    public async Task<string?> RefusalAsync(HttpContext http, CancellationToken cancel)
    {
        var user = http.User;
        string name = user.CuratorName();
        if (user.Identity?.AuthenticationType == CuratorAuth.BearerScheme)
        {
            string header = http.Request.Headers.Authorization.ToString();
            string token = header.Length > "Bearer ".Length ? header["Bearer ".Length..].Trim() : "";
            string? owner = await curators.CuratorForTokenAsync(CuratorPasswords.TokenSha256(token), cancel);
            return owner == name ? null : $"the bearer token of curator {name} was revoked, or the curator removed";
        }
        string? stamp = user.FindFirstValue(CuratorAuth.StampClaim);
        string? current = await curators.SecurityStampAsync(name, cancel);
        return current is { Length: > 0 } && stamp is not null && CuratorSessions.StampsEqual(stamp, current)
            ? null
            : $"curator {name} signed out or was removed";
    }
}
