using Dapper;

namespace AcqSeg.Persistence;

public sealed class FrameClaimRow
{
    public string FrameId { get; set; } = "";
    public string Curator { get; set; } = "";
    public string ClaimedAt { get; set; } = "";
    public string ExpiresAt { get; set; } = "";
}

/// <summary>The outcome of a claim: granted (to the caller) or the claim someone else holds.</summary>
public sealed record ClaimOutcome(bool Granted, FrameClaimRow Claim);

/// <summary>Claims on flagged frames so two curators do not edit the same one; a claim expires unless renewed.</summary>
public sealed class FrameClaimStore(Database database)
{
    /// <summary>Claims (or renews) a frame for the curator unless another curator holds an unexpired claim.</summary>
    public async Task<ClaimOutcome> TryClaimAsync(Guid frameId, string curator, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancel = default)
    {
        string at = Database.Timestamp(now);
        await using var c = await database.OpenAsync(cancel);
        // One statement: insert, or take over when the claim is ours or expired. Timestamps are sortable text.
        await c.ExecuteAsync("""
            INSERT INTO frame_claims (frame_id, curator, claimed_at, expires_at) VALUES (@Id, @Curator, @At, @Expires)
            ON CONFLICT (frame_id) DO UPDATE SET curator = excluded.curator, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
            WHERE frame_claims.curator = excluded.curator OR frame_claims.expires_at <= excluded.claimed_at
            """, new { Id = frameId.ToString(), Curator = curator, At = at, Expires = Database.Timestamp(now + lifetime) });
        var claim = await c.QuerySingleAsync<FrameClaimRow>("SELECT * FROM frame_claims WHERE frame_id = @Id", new { Id = frameId.ToString() });
        return new ClaimOutcome(claim.Curator == curator, claim);
    }

    /// <summary>Drops the curator's claim; false when the curator did not hold one.</summary>
    public async Task<bool> ReleaseAsync(Guid frameId, string curator, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("DELETE FROM frame_claims WHERE frame_id = @Id AND curator = @Curator",
            new { Id = frameId.ToString(), Curator = curator });
        return rows == 1;
    }

    /// <summary>The unexpired claim on a frame, or null.</summary>
    public async Task<FrameClaimRow?> ActiveAsync(Guid frameId, DateTimeOffset now, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<FrameClaimRow>(
            "SELECT * FROM frame_claims WHERE frame_id = @Id AND expires_at > @Now", new { Id = frameId.ToString(), Now = Database.Timestamp(now) });
    }

    /// <summary>Every unexpired claim, by frame id.</summary>
    public async Task<IReadOnlyDictionary<string, FrameClaimRow>> ActiveAllAsync(DateTimeOffset now, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<FrameClaimRow>("SELECT * FROM frame_claims WHERE expires_at > @Now", new { Now = Database.Timestamp(now) });
        return rows.ToDictionary(r => r.FrameId, StringComparer.Ordinal);
    }
}
