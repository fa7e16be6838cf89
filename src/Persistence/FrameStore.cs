using System.Globalization;
using Dapper;

namespace AcqSeg.Persistence;

/// <summary>Frame lifecycle. Acquired -> one of Segmented / Flagged / Failed; a flagged frame is then reviewed
/// (Corrected / Accepted / Skipped). A curator may send a frame that has masks and is not in review (Segmented,
/// Accepted, Corrected, Skipped) back to Flagged (<see cref="FrameStore.SendToReviewAsync"/>).</summary>
public static class FrameStates
{
    public const string Acquired = "Acquired";
    public const string Segmented = "Segmented";
    public const string Flagged = "Flagged";
    public const string Failed = "Failed";
    public const string Corrected = "Corrected";
    public const string Accepted = "Accepted";
    public const string Skipped = "Skipped";

    public static readonly IReadOnlyList<string> Terminal = [Segmented, Flagged, Failed, Corrected, Accepted, Skipped];

    /// <summary>States a curator can send to review from: the frame has masks and is not in review. Acquired (not
    /// segmented yet) and Failed (no masks) frames have nothing to review.</summary>
    public static readonly IReadOnlyList<string> SendableToReview = [Segmented, Accepted, Corrected, Skipped];

    /// <summary>The review reason of a frame a curator sent to review (its detail names the curator).</summary>
    public const string SentByCuratorReason = "sent_by_curator";
}

public sealed class FrameRow
{
    public string Id { get; set; } = "";
    public string Acquisition { get; set; } = "";
    public string Path { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long SizeBytes { get; set; }
    public string State { get; set; } = FrameStates.Acquired;
    public string Model { get; set; } = "";
    public int? ModelVersion { get; set; }
    public string? Reason { get; set; }
    public string? MasksPath { get; set; }
    public string? FlowsPath { get; set; }
    public string? OutlinesPath { get; set; }
    public string? ObjectsPath { get; set; }
    public string AcquiredAt { get; set; } = "";
    public string? CompletedAt { get; set; }
    public string? ReviewedAt { get; set; }
    /// <summary>The curator who last sent the frame to review, when, and the state it left (null when never sent).</summary>
    public string? SentToReviewBy { get; set; }
    public string? SentToReviewAt { get; set; }
    public string? SentToReviewFrom { get; set; }
    /// <summary>When FrameAcquired was last published for it (null: not yet, or requeued).</summary>
    public string? PublishedAt { get; set; }
    public int PublishCount { get; set; }
    public int RequeueCount { get; set; }

    public Guid FrameId => Guid.Parse(Id);
}

/// <summary>What a finished segmentation stores in one transaction with the state change.</summary>
public sealed record SegmentationRecord(
    Guid FrameId,
    bool Flagged,
    int ModelVersion,
    string MasksPath,
    string? FlowsPath,
    string? OutlinesPath,
    string? ObjectsPath,
    FrameStatsRow Stats,
    IReadOnlyList<ReviewReason> Reasons,
    string? Sha256 = null);

public sealed record ReviewReason(string Reason, string Detail);

public sealed class FrameStatsRow
{
    public string FrameId { get; set; } = "";
    public int Height { get; set; }
    public int Width { get; set; }
    public int ObjectCount { get; set; }
    public double MeanCellprob { get; set; }
    public double? FlowErrorMean { get; set; }
    public double? FlowErrorMax { get; set; }
    public int MasksBeforeQc { get; set; }
    public int DroppedByFlowQc { get; set; }
    public int DroppedAsSmall { get; set; }
    /// <summary>Style vector as comma-separated invariant floats.</summary>
    public string Style { get; set; } = "";
    public double ReadSeconds { get; set; }
    public double NormalizeSeconds { get; set; }
    public double NetworkSeconds { get; set; }
    public double DynamicsSeconds { get; set; }
    public double FlowQcSeconds { get; set; }
    /// <summary>The diameter the frame ran at (pixels); null for frames stored before it was recorded.</summary>
    public double? Diameter { get; set; }
    /// <summary>given, diam_labels, size_model (estimated for this frame) or reused (its acquisition's estimate).</summary>
    public string? DiameterSource { get; set; }
    public double? SizeEstimateSeconds { get; set; }
    public double WriteSeconds { get; set; }
    public double TotalSeconds { get; set; }
}

public enum SendToReviewResult
{
    /// <summary>The frame moved to Flagged.</summary>
    Sent,
    /// <summary>The frame was Flagged already; nothing changed.</summary>
    AlreadyInReview,
    /// <summary>The frame has no masks to review (Acquired or Failed); nothing changed.</summary>
    NotEligible,
    NotFound,
}

/// <summary>What sending one frame to review did. <paramref name="State"/>: for Sent the state the frame left,
/// otherwise the state it is in (null when the frame does not exist).</summary>
public sealed record SendToReviewOutcome(SendToReviewResult Result, string? State);

/// <summary>What sending an acquisition to review did: frames sent, frames already in review, and the frames left
/// alone because of their state (Acquired, Failed), counted by state.</summary>
public sealed record AcquisitionSendOutcome(int Sent, int AlreadyInReview, IReadOnlyDictionary<string, int> NotEligible);

public sealed record FlaggedFilter(string? Acquisition = null, string? Reason = null, string? Model = null, int Limit = 100);

/// <summary>Frames, their stats and review reasons. Every write is idempotent: a redelivered message finds the row
/// already in its terminal state and changes nothing.</summary>
public sealed class FrameStore(Database database)
{
    /// <summary>Stores a new frame in state Acquired; false when the same path + content is already known.</summary>
    public async Task<bool> TryAddAcquiredAsync(FrameRow frame, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("""
            INSERT INTO frames (id, acquisition, path, sha256, size_bytes, state, model, acquired_at)
            VALUES (@Id, @Acquisition, @Path, @Sha256, @SizeBytes, 'Acquired', @Model, @AcquiredAt)
            ON CONFLICT DO NOTHING
            """, frame);
        return rows == 1;
    }

    /// <summary>The frames recorded for one file path, oldest first (a path holds several only when its content changed
    /// after the frame had finished).</summary>
    public async Task<IReadOnlyList<FrameRow>> ListByPathAsync(string path, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<FrameRow>("SELECT * FROM frames WHERE path = @Path ORDER BY acquired_at, id", new { Path = path })).ToList();
    }

    /// <summary>The image path of a frame of another file whose recorded masks are at <paramref name="masksPath"/>, or null:
    /// the segment worker gives a frame's outputs a hashed name only when their plain name is taken this way.</summary>
    public async Task<string?> OtherImageWithMasksAtAsync(string masksPath, string imagePath, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QueryFirstOrDefaultAsync<string?>("SELECT path FROM frames WHERE masks_path = @MasksPath AND path <> @Path",
            new { MasksPath = masksPath, Path = imagePath });
    }

    /// <summary>
    /// Gives a frame its file's new content: a file that changed while its frame waited (Acquired) or after it failed
    /// (e.g. read while still being written) is the same frame with newer content, not a second frame. The frame is
    /// Acquired afterwards; a worker still busy with the old content cannot record it (its sha no longer matches).
    /// False when the frame is in neither state.
    /// </summary>
    public async Task<bool> TryReacquireAsync(Guid id, string sha256, long sizeBytes, string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("""
            UPDATE frames SET sha256 = @Sha256, size_bytes = @SizeBytes, model = @Model, state = 'Acquired', reason = NULL, completed_at = NULL,
                published_at = NULL
            WHERE id = @Id AND state IN ('Acquired', 'Failed')
            """, new { Id = id.ToString(), Sha256 = sha256, SizeBytes = sizeBytes, Model = model });
        return rows == 1;
    }

    /// <summary>Records the model chosen for a frame that was acquired without one (the segment worker's style choice);
    /// false when the frame is done or already has a model.</summary>
    public async Task<bool> SetChosenModelAsync(Guid id, string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("UPDATE frames SET model = @Model WHERE id = @Id AND state = 'Acquired' AND model = ''",
            new { Id = id.ToString(), Model = model });
        return rows == 1;
    }

    /// <summary>Records that FrameAcquired went out for an Acquired frame (its lease starts now).</summary>
    public async Task MarkPublishedAsync(Guid id, DateTimeOffset at, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("UPDATE frames SET published_at = @At, publish_count = publish_count + 1 WHERE id = @Id AND state = 'Acquired'",
            new { Id = id.ToString(), At = Database.Timestamp(at) });
    }

    /// <summary>
    /// Acquired frames to publish again: never published (or requeued) and older than <paramref name="unpublishedGrace"/>,
    /// or published longer ago than their lease, which grows with each publish (lease x count, at most 8 x) so a long
    /// queue is not flooded with copies. Oldest first.
    /// </summary>
    public async Task<IReadOnlyList<FrameRow>> DueForPublishAsync(DateTimeOffset now, TimeSpan lease, TimeSpan unpublishedGrace, int limit,
        CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<FrameRow>("""
            SELECT * FROM frames
            WHERE state = 'Acquired' AND ((published_at IS NULL AND acquired_at < @Grace) OR published_at < @Lease)
            ORDER BY acquired_at, id
            LIMIT @Limit
            """, new { Grace = Database.Timestamp(now - unpublishedGrace), Lease = Database.Timestamp(now - lease), Limit = limit * 4 });
        return rows.Where(r => r.PublishedAt is null || Database.ParseTimestamp(r.PublishedAt) + lease * Math.Clamp(r.PublishCount, 1, 8) < now).Take(limit).ToList();
    }

    /// <summary>
    /// Puts frames back to Acquired, each exactly once per call (the update is conditional on the state): Failed frames
    /// to be segmented again, or Acquired ones whose lease is cleared so they are published at once. Filters: acquisition
    /// (exact, or * wildcards) and a case-insensitive substring of the reason. Returns the frames requeued.
    /// </summary>
    public async Task<IReadOnlyList<FrameRow>> RequeueAsync(string state, string? acquisition, string? reasonContains, bool dryRun,
        CancellationToken cancel = default)
    {
        if (state is not (FrameStates.Failed or FrameStates.Acquired))
            throw new ArgumentException($"state '{state}' cannot be requeued; only Failed and Acquired frames can", nameof(state));
        var args = new
        {
            State = state,
            Acquisition = acquisition is null ? null : Like(acquisition),
            Reason = reasonContains is null ? null : "%" + Escape(reasonContains.ToLowerInvariant()) + "%",
        };
        const string where = """
            state = @State
            AND (@Acquisition IS NULL OR acquisition LIKE @Acquisition ESCAPE '!')
            AND (@Reason IS NULL OR LOWER(COALESCE(reason, '')) LIKE @Reason ESCAPE '!')
            """;
        await using var c = await database.OpenAsync(cancel);
        if (dryRun) return (await c.QueryAsync<FrameRow>($"SELECT * FROM frames WHERE {where} ORDER BY acquired_at, id", args)).ToList();
        string set = state == FrameStates.Failed
            ? "state = 'Acquired', reason = NULL, completed_at = NULL, published_at = NULL, requeue_count = requeue_count + 1"
            : "published_at = NULL, requeue_count = requeue_count + 1";
        return (await c.QueryAsync<FrameRow>($"UPDATE frames SET {set} WHERE {where} RETURNING *", args)).OrderBy(r => r.AcquiredAt, StringComparer.Ordinal).ToList();
    }

    /// <summary>An acquisition pattern with * wildcards as a LIKE pattern; % and _ in names are literal.</summary>
    private static string Like(string pattern) => Escape(pattern).Replace("*", "%", StringComparison.Ordinal);

    // '!' escapes LIKE's wildcards: it needs no quoting in either dialect, unlike a backslash.
    private static string Escape(string text) =>
        text.Replace("!", "!!", StringComparison.Ordinal).Replace("%", "!%", StringComparison.Ordinal).Replace("_", "!_", StringComparison.Ordinal);

    public async Task<FrameRow?> GetAsync(Guid id, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<FrameRow>("SELECT * FROM frames WHERE id = @Id", new { Id = id.ToString() });
    }

    /// <summary>Marks an Acquired frame Failed; false when it had already left Acquired (a redelivery) or, with
    /// <paramref name="sha256"/>, when its file has changed since the worker read it (the newer content decides).</summary>
    public async Task<bool> TryFailAsync(Guid id, string reason, CancellationToken cancel = default, string? sha256 = null)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync(
            "UPDATE frames SET state = 'Failed', reason = @Reason, completed_at = @At WHERE id = @Id AND state = 'Acquired' AND (@Sha IS NULL OR sha256 = @Sha)",
            new { Id = id.ToString(), Reason = reason, At = Database.Timestamp(DateTimeOffset.UtcNow), Sha = sha256 });
        return rows == 1;
    }

    /// <summary>Stores stats, reasons and the Segmented/Flagged state together; false on a redelivery, or when the record
    /// names the content it was computed from (<see cref="SegmentationRecord.Sha256"/>) and the file has changed since.</summary>
    public async Task<bool> TryCompleteAsync(SegmentationRecord record, CancellationToken cancel = default)
    {
        string id = record.FrameId.ToString();
        await using var c = await database.OpenAsync(cancel);
        await using var tx = await c.BeginTransactionAsync(cancel);
        int rows = await c.ExecuteAsync("""
            UPDATE frames SET state = @State, model_version = @ModelVersion, masks_path = @MasksPath, flows_path = @FlowsPath,
                outlines_path = @OutlinesPath, objects_path = @ObjectsPath, reason = @Reason, completed_at = @At
            WHERE id = @Id AND state = 'Acquired' AND (@Sha IS NULL OR sha256 = @Sha)
            """, new
        {
            Id = id,
            Sha = record.Sha256,
            State = record.Flagged ? FrameStates.Flagged : FrameStates.Segmented,
            record.ModelVersion,
            record.MasksPath,
            record.FlowsPath,
            record.OutlinesPath,
            record.ObjectsPath,
            Reason = record.Reasons.Count == 0 ? null : string.Join(",", record.Reasons.Select(r => r.Reason)),
            At = Database.Timestamp(DateTimeOffset.UtcNow),
        }, tx);
        if (rows == 0)
        {
            await tx.RollbackAsync(cancel);
            return false;
        }
        record.Stats.FrameId = id;
        await c.ExecuteAsync("""
            INSERT INTO frame_stats (frame_id, height, width, object_count, mean_cellprob, flow_error_mean, flow_error_max,
                masks_before_qc, dropped_by_flow_qc, dropped_as_small, style, read_seconds, normalize_seconds, network_seconds,
                dynamics_seconds, flow_qc_seconds, write_seconds, total_seconds, diameter, diameter_source, size_estimate_seconds)
            VALUES (@FrameId, @Height, @Width, @ObjectCount, @MeanCellprob, @FlowErrorMean, @FlowErrorMax,
                @MasksBeforeQc, @DroppedByFlowQc, @DroppedAsSmall, @Style, @ReadSeconds, @NormalizeSeconds, @NetworkSeconds,
                @DynamicsSeconds, @FlowQcSeconds, @WriteSeconds, @TotalSeconds, @Diameter, @DiameterSource, @SizeEstimateSeconds)
            ON CONFLICT (frame_id) DO NOTHING
            """, record.Stats, tx);
        foreach (var reason in record.Reasons)
        {
            await c.ExecuteAsync(
                "INSERT INTO review_reasons (frame_id, reason, detail) VALUES (@Id, @Reason, @Detail) ON CONFLICT DO NOTHING",
                new { Id = id, reason.Reason, reason.Detail }, tx);
        }
        await tx.CommitAsync(cancel);
        return true;
    }

    /// <summary>Moves a Flagged frame to its review outcome (Corrected / Accepted / Skipped); false when not Flagged.</summary>
    public async Task<bool> TryReviewAsync(Guid id, string outcome, CancellationToken cancel = default)
    {
        if (outcome is not (FrameStates.Corrected or FrameStates.Accepted or FrameStates.Skipped))
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "a review ends in Corrected, Accepted or Skipped");
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync(
            "UPDATE frames SET state = @Outcome, reviewed_at = @At WHERE id = @Id AND state = 'Flagged'",
            new { Id = id.ToString(), Outcome = outcome, At = Database.Timestamp(DateTimeOffset.UtcNow) });
        return rows == 1;
    }

    // The sendable states as SQL literals (constants, not input): Dapper's list parameters do not expand on PostgreSQL.
    private static readonly string SendableSql = string.Join(", ", FrameStates.SendableToReview.Select(s => $"'{s}'"));

    // One guarded UPDATE moves the frame(s): only rows in a sendable state change, so a frame in review, failed or not
    // segmented yet is never touched, and two curators sending the same frame move it once. SET reads the old row in
    // both dialects, so sent_to_review_from keeps the state the frame left.
    private static string SendSql(string rows) => $"""
        UPDATE frames SET sent_to_review_from = state, state = 'Flagged', sent_to_review_by = @Curator, sent_to_review_at = @At
        WHERE {rows} AND state IN ({SendableSql})
        RETURNING id, sent_to_review_from
        """;

    /// <summary>
    /// Sends a frame with masks (Segmented, or reviewed already: Accepted / Corrected / Skipped) back to the review
    /// queue as Flagged, with the review reason <see cref="FrameStates.SentByCuratorReason"/> naming the curator.
    /// A frame already Flagged is left as it is (no second reason); Acquired and Failed frames are refused.
    /// </summary>
    public async Task<SendToReviewOutcome> SendToReviewAsync(Guid id, string curator, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await using var tx = await c.BeginTransactionAsync(cancel);
        var sent = (await c.QueryAsync<(string Id, string From)>(SendSql("id = @Id"),
            new { Id = id.ToString(), Curator = curator, At = Database.Timestamp(DateTimeOffset.UtcNow) }, tx)).ToList();
        if (sent.Count == 0)
        {
            string? state = await c.QuerySingleOrDefaultAsync<string>("SELECT state FROM frames WHERE id = @Id", new { Id = id.ToString() }, tx);
            await tx.RollbackAsync(cancel);
            return state switch
            {
                null => new SendToReviewOutcome(SendToReviewResult.NotFound, null),
                FrameStates.Flagged => new SendToReviewOutcome(SendToReviewResult.AlreadyInReview, state),
                _ => new SendToReviewOutcome(SendToReviewResult.NotEligible, state),
            };
        }
        await AddSentReasonAsync(c, tx, sent[0].Id, curator, sent[0].From);
        await tx.CommitAsync(cancel);
        return new SendToReviewOutcome(SendToReviewResult.Sent, sent[0].From);
    }

    /// <summary>
    /// <see cref="SendToReviewAsync"/> for every frame of an acquisition, in one transaction; null when the
    /// acquisition has no frames.
    /// </summary>
    public async Task<AcquisitionSendOutcome?> SendAcquisitionToReviewAsync(string acquisition, string curator, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await using var tx = await c.BeginTransactionAsync(cancel);
        var sent = (await c.QueryAsync<(string Id, string From)>(SendSql("acquisition = @Acquisition"),
            new { Acquisition = acquisition, Curator = curator, At = Database.Timestamp(DateTimeOffset.UtcNow) }, tx)).ToList();
        foreach (var (frameId, from) in sent) await AddSentReasonAsync(c, tx, frameId, curator, from);
        var states = (await c.QueryAsync<(string State, long Count)>(
            "SELECT state, COUNT(*) FROM frames WHERE acquisition = @Acquisition GROUP BY state", new { Acquisition = acquisition }, tx))
            .ToDictionary(r => r.State, r => (int)r.Count, StringComparer.Ordinal);
        await tx.CommitAsync(cancel);
        if (states.Count == 0) return null;
        // A frame that reached a sendable state after the UPDATE (PostgreSQL reads committed rows) was not sent and
        // is not ineligible either; it is left out of both counts.
        var notEligible = states.Where(s => s.Key != FrameStates.Flagged && !FrameStates.SendableToReview.Contains(s.Key))
            .ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        return new AcquisitionSendOutcome(sent.Count, states.GetValueOrDefault(FrameStates.Flagged) - sent.Count, notEligible);
    }

    // A frame sent again after an earlier send and review keeps one sent_by_curator reason, naming the latest sender.
    private static Task AddSentReasonAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string frameId, string curator, string from) =>
        c.ExecuteAsync("""
            INSERT INTO review_reasons (frame_id, reason, detail) VALUES (@Id, @Reason, @Detail)
            ON CONFLICT (frame_id, reason) DO UPDATE SET detail = excluded.detail
            """, new { Id = frameId, Reason = FrameStates.SentByCuratorReason, Detail = $"sent to review by {curator} (was {from})" }, tx);

    public async Task<FrameStatsRow?> GetStatsAsync(Guid id, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<FrameStatsRow>("SELECT * FROM frame_stats WHERE frame_id = @Id", new { Id = id.ToString() });
    }

    public async Task<IReadOnlyList<ReviewReason>> GetReasonsAsync(Guid id, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<ReviewReason>(
            "SELECT reason AS Reason, detail AS Detail FROM review_reasons WHERE frame_id = @Id ORDER BY reason", new { Id = id.ToString() })).ToList();
    }

    /// <summary>Object counts of the acquisition's latest segmented frames (for the running median).</summary>
    public async Task<IReadOnlyList<int>> RecentObjectCountsAsync(string acquisition, Guid except, int limit, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<int>("""
            SELECT s.object_count FROM frame_stats s JOIN frames f ON f.id = s.frame_id
            WHERE f.acquisition = @Acquisition AND f.id <> @Except
            ORDER BY f.completed_at DESC LIMIT @Limit
            """, new { Acquisition = acquisition, Except = except.ToString(), Limit = limit })).ToList();
    }

    public async Task<IReadOnlyList<FrameRow>> ListFlaggedAsync(FlaggedFilter filter, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<FrameRow>("""
            SELECT f.* FROM frames f
            WHERE f.state = 'Flagged'
              AND (CAST(@Acquisition AS TEXT) IS NULL OR f.acquisition = @Acquisition)
              AND (CAST(@Model AS TEXT) IS NULL OR f.model = @Model)
              AND (CAST(@Reason AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM review_reasons r WHERE r.frame_id = f.id AND r.reason = @Reason))
            ORDER BY f.completed_at, f.id LIMIT @Limit
            """, new { filter.Acquisition, filter.Model, filter.Reason, filter.Limit })).ToList();
    }

    public async Task<IReadOnlyList<FrameRow>> ListAsync(string? state = null, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<FrameRow>(
            "SELECT * FROM frames WHERE (CAST(@State AS TEXT) IS NULL OR state = @State) ORDER BY acquired_at, id", new { State = state })).ToList();
    }

    /// <summary>Frame counts per state (dashboards, idle detection).</summary>
    /// <summary>Completion times of all completed frames, earliest first (throughput measurements).</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> CompletionTimesAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<string>("SELECT completed_at FROM frames WHERE completed_at IS NOT NULL");
        return rows.Select(r => DateTimeOffset.Parse(r, CultureInfo.InvariantCulture)).Order().ToList();
    }

    public async Task<IReadOnlyDictionary<string, int>> CountByStateAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var rows = await c.QueryAsync<(string State, long Count)>("SELECT state, COUNT(*) FROM frames GROUP BY state");
        return rows.ToDictionary(r => r.State, r => (int)r.Count);
    }
}
