using System.Security.Cryptography;
using Dapper;

namespace AcqSeg.Persistence;

public sealed class CuratorRow
{
    public string Name { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public string CreatedAt { get; set; } = "";

    /// <summary>Session cookies carry this; replacing it (logout, removal) ends every session issued before.</summary>
    public string SecurityStamp { get; set; } = "";

    /// <summary>Failed sign-ins counted since <see cref="FirstFailedAt"/>.</summary>
    public int FailedLogins { get; set; }

    public string? FirstFailedAt { get; set; }

    /// <summary>Sign-in is refused until then (after too many failures).</summary>
    public string? LockoutEnd { get; set; }

    public string? RemovedAt { get; set; }
}

/// <param name="Id">The first <see cref="CuratorStore.TokenIdLength"/> hex digits of the token's SHA-256: names it
/// without revealing it (`acqseg users list`, `acqseg users revoke-token ID`).</param>
public sealed record CuratorToken(string Id, string Sha256, string Curator, string CreatedAt);

/// <summary>Curator accounts and their API tokens (stored as SHA-256 only), and who reviewed what.</summary>
public sealed class CuratorStore(Database database)
{
    public const int TokenIdLength = 12;

    /// <summary>Adds an account; false when the name is taken (also by a removed curator: names are not reused, so
    /// the review history keeps naming one person).</summary>
    public async Task<bool> TryAddAsync(string name, string passwordHash, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync(
            "INSERT INTO curators (name, password_hash, created_at, security_stamp) VALUES (@Name, @Hash, @At, @Stamp) ON CONFLICT DO NOTHING",
            new { Name = name, Hash = passwordHash, At = Database.Timestamp(DateTimeOffset.UtcNow), Stamp = NewStamp() });
        return rows == 1;
    }

    /// <summary>An active (not removed) curator, or null.</summary>
    public async Task<CuratorRow?> GetAsync(string name, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<CuratorRow>("SELECT * FROM curators WHERE name = @Name AND removed_at IS NULL", new { Name = name });
    }

    /// <summary>The row whether or not the curator was removed (to explain why a name cannot be added again).</summary>
    public async Task<CuratorRow?> GetIncludingRemovedAsync(string name, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<CuratorRow>("SELECT * FROM curators WHERE name = @Name", new { Name = name });
    }

    /// <summary>Active curators by name.</summary>
    public async Task<IReadOnlyList<CuratorRow>> ListAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<CuratorRow>("SELECT * FROM curators WHERE removed_at IS NULL ORDER BY name")).ToList();
    }

    /// <summary>The active curator's security stamp, or null when there is no such curator (removed, never added).</summary>
    public async Task<string?> SecurityStampAsync(string name, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<string>(
            "SELECT security_stamp FROM curators WHERE name = @Name AND removed_at IS NULL", new { Name = name });
    }

    /// <summary>Replaces the stamp, ending every session cookie issued before; returns the new stamp.</summary>
    public async Task<string> RotateSecurityStampAsync(string name, CancellationToken cancel = default)
    {
        string stamp = NewStamp();
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("UPDATE curators SET security_stamp = @Stamp WHERE name = @Name", new { Name = name, Stamp = stamp });
        return stamp;
    }

    /// <summary>
    /// Removes a curator at once: sessions (new stamp), API tokens and frame claims end in one transaction. The row
    /// stays, marked removed, because reviews and corrections name it. Returns the number of tokens revoked, or null
    /// when there is no active curator of that name.
    /// </summary>
    public async Task<int?> RemoveAsync(string name, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await using var tx = await c.BeginTransactionAsync(cancel);
        int rows = await c.ExecuteAsync(
            "UPDATE curators SET removed_at = @At, security_stamp = @Stamp WHERE name = @Name AND removed_at IS NULL",
            new { Name = name, At = Database.Timestamp(DateTimeOffset.UtcNow), Stamp = NewStamp() }, tx);
        if (rows == 0) return null;
        int tokens = await c.ExecuteAsync("DELETE FROM curator_tokens WHERE curator = @Name", new { Name = name }, tx);
        await c.ExecuteAsync("DELETE FROM frame_claims WHERE curator = @Name", new { Name = name }, tx);
        await tx.CommitAsync(cancel);
        return tokens;
    }

    /// <summary>
    /// Counts a failed sign-in: the count restarts when the first failure counted is older than
    /// <paramref name="windowStart"/>. Returns the count now (0 when there is no such curator).
    /// </summary>
    public async Task<int> RecordFailedLoginAsync(string name, DateTimeOffset now, DateTimeOffset windowStart, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        // One statement, so concurrent failures each count; SET sees the row's old values in both dialects.
        return await c.QuerySingleOrDefaultAsync<int>("""
            UPDATE curators SET
                failed_logins = CASE WHEN first_failed_at IS NULL OR first_failed_at < @WindowStart THEN 1 ELSE failed_logins + 1 END,
                first_failed_at = CASE WHEN first_failed_at IS NULL OR first_failed_at < @WindowStart THEN @Now ELSE first_failed_at END
            WHERE name = @Name AND removed_at IS NULL
            RETURNING failed_logins
            """, new { Name = name, Now = Database.Timestamp(now), WindowStart = Database.Timestamp(windowStart) });
    }

    /// <summary>Refuses sign-in until <paramref name="until"/> and starts the failure count afresh.</summary>
    public async Task LockOutAsync(string name, DateTimeOffset until, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("UPDATE curators SET lockout_end = @Until, failed_logins = 0, first_failed_at = NULL WHERE name = @Name",
            new { Name = name, Until = Database.Timestamp(until) });
    }

    /// <summary>A successful sign-in forgets earlier failures.</summary>
    public async Task ResetFailedLoginsAsync(string name, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("UPDATE curators SET failed_logins = 0, first_failed_at = NULL, lockout_end = NULL WHERE name = @Name", new { Name = name });
    }

    /// <summary>Replaces a stored hash (the hasher asked for a rehash after an algorithm upgrade).</summary>
    public async Task UpdatePasswordHashAsync(string name, string passwordHash, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("UPDATE curators SET password_hash = @Hash WHERE name = @Name", new { Name = name, Hash = passwordHash });
    }

    public async Task AddTokenAsync(string curator, string tokenSha256, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync(
            "INSERT INTO curator_tokens (token_sha256, curator, created_at) VALUES (@Sha, @Curator, @At)",
            new { Sha = tokenSha256, Curator = curator, At = Database.Timestamp(DateTimeOffset.UtcNow) });
    }

    /// <summary>The active curator a token belongs to, or null (unknown token, revoked, curator removed).</summary>
    public async Task<string?> CuratorForTokenAsync(string tokenSha256, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<string>("""
            SELECT t.curator FROM curator_tokens t JOIN curators u ON u.name = t.curator
            WHERE t.token_sha256 = @Sha AND u.removed_at IS NULL
            """, new { Sha = tokenSha256 });
    }

    /// <summary>Tokens whose SHA-256 starts with <paramref name="sha256Prefix"/> (a token id, or the whole hash).</summary>
    public async Task<IReadOnlyList<CuratorToken>> TokensByIdAsync(string sha256Prefix, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<(string Sha, string Curator, string CreatedAt)>(
            "SELECT token_sha256, curator, created_at FROM curator_tokens WHERE substr(token_sha256, 1, @Length) = @Prefix ORDER BY created_at",
            new { Prefix = sha256Prefix.ToLowerInvariant(), Length = sha256Prefix.Length });
        return rows.Select(r => new CuratorToken(TokenId(r.Sha), r.Sha, r.Curator, r.CreatedAt)).ToList();
    }

    /// <summary>A curator's tokens, oldest first.</summary>
    public async Task<IReadOnlyList<CuratorToken>> TokensOfAsync(string curator, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<(string Sha, string Curator, string CreatedAt)>(
            "SELECT token_sha256, curator, created_at FROM curator_tokens WHERE curator = @Curator ORDER BY created_at", new { Curator = curator });
        return rows.Select(r => new CuratorToken(TokenId(r.Sha), r.Sha, r.Curator, r.CreatedAt)).ToList();
    }

    /// <summary>Deletes one token (by its full SHA-256); the next request presenting it is refused.</summary>
    public async Task<bool> RevokeTokenAsync(string tokenSha256, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.ExecuteAsync("DELETE FROM curator_tokens WHERE token_sha256 = @Sha", new { Sha = tokenSha256 }) == 1;
    }

    /// <summary>Deletes every token of a curator; returns how many.</summary>
    public async Task<int> RevokeTokensOfAsync(string curator, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.ExecuteAsync("DELETE FROM curator_tokens WHERE curator = @Curator", new { Curator = curator });
    }

    public static string TokenId(string tokenSha256) => tokenSha256[..TokenIdLength];

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Records who submitted a correction.</summary>
    public async Task SetCorrectionCuratorAsync(Guid correctionId, string curator, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("UPDATE corrections SET curator = @Curator WHERE id = @Id", new { Id = correctionId.ToString(), Curator = curator });
    }

    /// <summary>Records who moved a frame to its review outcome.</summary>
    public async Task SetReviewerAsync(Guid frameId, string curator, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("UPDATE frames SET reviewed_by = @Curator WHERE id = @Id", new { Id = frameId.ToString(), Curator = curator });
    }

    public async Task<string?> CorrectionCuratorAsync(Guid correctionId, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<string>("SELECT curator FROM corrections WHERE id = @Id", new { Id = correctionId.ToString() });
    }

    public async Task<string?> ReviewerAsync(Guid frameId, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<string>("SELECT reviewed_by FROM frames WHERE id = @Id", new { Id = frameId.ToString() });
    }
}
