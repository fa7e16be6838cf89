using Dapper;

namespace AcqSeg.Persistence;

public sealed class QueueEntryRow
{
    public string Id { get; set; } = "";
    public string Acquisition { get; set; } = "";
    public string Path { get; set; } = "";
    public string Model { get; set; } = "";
    public int? ModelVersion { get; set; }
    public string? CompletedAt { get; set; }
    public int? ObjectCount { get; set; }
    public int? Height { get; set; }
    public int? Width { get; set; }
}

/// <summary>A frame of any state for the "send to review" list, with its stats when it was segmented.</summary>
public sealed class RecentFrameRow
{
    public string Id { get; set; } = "";
    public string Acquisition { get; set; } = "";
    public string Path { get; set; } = "";
    public string State { get; set; } = "";
    public string Model { get; set; } = "";
    public int? ModelVersion { get; set; }
    public string AcquiredAt { get; set; } = "";
    public string? CompletedAt { get; set; }
    public string? SentToReviewBy { get; set; }
    public int? ObjectCount { get; set; }
    public int? Height { get; set; }
    public int? Width { get; set; }
}

public sealed record ReasonCount(string Reason, int Frames);

public sealed record CorrectedCount(string Model, int ModelVersion, int Frames);

/// <summary>Read-only views for the curator UI: the review queue with stats, reason counts, lineages.</summary>
public sealed class ReviewQueries(Database database)
{
    /// <summary>Flagged frames (oldest first) with their object counts and sizes; reasons come from <see cref="FlaggedReasonsAsync"/>.</summary>
    public async Task<IReadOnlyList<QueueEntryRow>> FlaggedAsync(int limit, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<QueueEntryRow>("""
            SELECT f.id, f.acquisition, f.path, f.model, f.model_version, f.completed_at, s.object_count, s.height, s.width
            FROM frames f LEFT JOIN frame_stats s ON s.frame_id = f.id
            WHERE f.state = 'Flagged' ORDER BY f.completed_at, f.id LIMIT @Limit
            """, new { Limit = limit })).ToList();
    }

    /// <summary>Reasons of every flagged frame, by frame id.</summary>
    public async Task<IReadOnlyDictionary<string, List<ReviewReason>>> FlaggedReasonsAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<(string FrameId, string Reason, string Detail)>("""
            SELECT r.frame_id, r.reason, r.detail FROM review_reasons r JOIN frames f ON f.id = r.frame_id
            WHERE f.state = 'Flagged' ORDER BY r.frame_id, r.reason
            """);
        var result = new Dictionary<string, List<ReviewReason>>(StringComparer.Ordinal);
        foreach (var (frameId, reason, detail) in rows)
        {
            if (!result.TryGetValue(frameId, out var list)) result[frameId] = list = [];
            list.Add(new ReviewReason(reason, detail));
        }
        return result;
    }

    public async Task<IReadOnlyList<ReasonCount>> FlaggedReasonCountsAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<(string Reason, long Frames)>("""
            SELECT r.reason, COUNT(*) FROM review_reasons r JOIN frames f ON f.id = r.frame_id
            WHERE f.state = 'Flagged' GROUP BY r.reason ORDER BY r.reason
            """);
        return rows.Select(r => new ReasonCount(r.Reason, (int)r.Frames)).ToList();
    }

    /// <summary>
    /// Frames of any state, most recently completed first (frames not completed yet by their acquisition time),
    /// optionally of one acquisition and one state.
    /// </summary>
    public async Task<IReadOnlyList<RecentFrameRow>> RecentFramesAsync(string? acquisition, string? state, int limit, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        // COALESCE rather than a nullable sort key: SQLite sorts NULLs first, PostgreSQL last.
        return (await c.QueryAsync<RecentFrameRow>("""
            SELECT f.id, f.acquisition, f.path, f.state, f.model, f.model_version, f.acquired_at, f.completed_at, f.sent_to_review_by,
                s.object_count, s.height, s.width
            FROM frames f LEFT JOIN frame_stats s ON s.frame_id = f.id
            WHERE (CAST(@Acquisition AS TEXT) IS NULL OR f.acquisition = @Acquisition)
              AND (CAST(@State AS TEXT) IS NULL OR f.state = @State)
            ORDER BY COALESCE(f.completed_at, f.acquired_at) DESC, f.id LIMIT @Limit
            """, new { Acquisition = acquisition, State = state, Limit = limit })).ToList();
    }

    /// <summary>Every acquisition with at least one frame, by name.</summary>
    public async Task<IReadOnlyList<string>> AcquisitionsAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<string>("SELECT DISTINCT acquisition FROM frames ORDER BY acquisition")).ToList();
    }

    /// <summary>Every version of every lineage, by lineage then version.</summary>
    public async Task<IReadOnlyList<ModelVersionRow>> AllVersionsAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<ModelVersionRow>("SELECT * FROM model_versions ORDER BY model, version")).ToList();
    }

    /// <summary>Frames corrected per lineage version (the version that produced the masks the curator fixed).</summary>
    public async Task<IReadOnlyList<CorrectedCount>> CorrectedFramesAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<(string Model, int ModelVersion, long Frames)>(
            "SELECT model, model_version, COUNT(DISTINCT frame_id) FROM corrections GROUP BY model, model_version");
        return rows.Select(r => new CorrectedCount(r.Model, r.ModelVersion, (int)r.Frames)).ToList();
    }

    public async Task<IReadOnlyList<string>> AcquisitionsUsingAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<string>(
            "SELECT acquisition FROM model_assignments WHERE model = @Model ORDER BY acquisition", new { Model = model })).ToList();
    }
}
