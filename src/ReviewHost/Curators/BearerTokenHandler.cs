using System.Security.Claims;
using System.Text.Encodings.Web;
using AcqSeg.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AcqSeg.ReviewHost.Curators;

/// <summary>"Authorization: Bearer TOKEN" for scripts: the token's SHA-256 is looked up in curator_tokens.</summary>
public sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    CuratorStore curators) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        string token = header["Bearer ".Length..].Trim();
        if (token.Length == 0) return AuthenticateResult.Fail("empty bearer token");
        string? curator = await curators.CuratorForTokenAsync(CuratorPasswords.TokenSha256(token), Context.RequestAborted);
        if (curator is null) return AuthenticateResult.Fail("bearer token not recognised (revoked, or its curator removed)");
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, curator)], CuratorAuth.BearerScheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), CuratorAuth.BearerScheme));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var auth = await HandleAuthenticateOnceSafeAsync();
        await CuratorAuth.Unauthorized(Request, auth.Failure?.Message).ExecuteAsync(Context);
    }
}
