using Dapper;

namespace AcqSeg.Persistence;

public sealed class CuratorRow
{
    public string Name { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public string CreatedAt { get; set; } = "";
}

/// <summary>Curator accounts and their API tokens (stored as SHA-256 only), and who reviewed what.</summary>
public sealed class CuratorStore(Database database)
{
    /// <summary>Adds an account; false when the name is taken.</summary>
    public async Task<bool> TryAddAsync(string name, string passwordHash, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync(
            "INSERT INTO curators (name, password_hash, created_at) VALUES (@Name, @Hash, @At) ON CONFLICT DO NOTHING",
            new { Name = name, Hash = passwordHash, At = Database.Timestamp(DateTimeOffset.UtcNow) });
        return rows == 1;
    }

    public async Task<CuratorRow?> GetAsync(string name, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<CuratorRow>("SELECT * FROM curators WHERE name = @Name", new { Name = name });
    }

    public async Task<IReadOnlyList<CuratorRow>> ListAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<CuratorRow>("SELECT * FROM curators ORDER BY name")).ToList();
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

    /// <summary>The curator a token belongs to, or null.</summary>
    public async Task<string?> CuratorForTokenAsync(string tokenSha256, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<string>(
            "SELECT curator FROM curator_tokens WHERE token_sha256 = @Sha", new { Sha = tokenSha256 });
    }

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
