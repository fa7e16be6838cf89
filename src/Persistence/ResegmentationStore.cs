using Dapper;

namespace AcqSeg.Persistence;

/// <summary>The states of a re-segmentation request.</summary>
public static class ResegmentationStates
{
    public const string Requested = "Requested";
    public const string Done = "Done";
    public const string Failed = "Failed";
}

/// <summary>A curator's request to segment a frame again with other settings, and its outcome.</summary>
public sealed class ResegmentationRow
{
    public string Id { get; set; } = "";
    public string FrameId { get; set; } = "";
    public string Model { get; set; } = "";
    public string RequestedBy { get; set; } = "";
    public string RequestedAt { get; set; } = "";
    /// <summary>The requested diameter (0 = estimate on the frame); null = the worker's setting.</summary>
    public double? Diameter { get; set; }
    public double? FlowThreshold { get; set; }
    public double? CellprobThreshold { get; set; }
    public string State { get; set; } = ResegmentationStates.Requested;
    public int? ModelVersion { get; set; }
    public double? DiameterUsed { get; set; }
    public string? DiameterSource { get; set; }
    public double? FlowThresholdUsed { get; set; }
    public double? CellprobThresholdUsed { get; set; }
    public int? ObjectCount { get; set; }
    public string? MasksPath { get; set; }
    public double? Seconds { get; set; }
    public string? Reason { get; set; }
    public string? CompletedAt { get; set; }

    public Guid RequestId => Guid.Parse(Id);
}

/// <summary>What ran for a request that is done.</summary>
public sealed record ResegmentationOutcome(int ModelVersion, double Diameter, string DiameterSource, double FlowThreshold, double CellprobThreshold,
    int ObjectCount, string MasksPath, double Seconds, DateTimeOffset CompletedAt);

/// <summary>
/// Re-segmentation requests (the editor's Re-segment): the review host adds them, a segment worker ends each exactly
/// once as Done (with the proposal's masks file) or Failed (with the reason).
/// </summary>
public sealed class ResegmentationStore(Database database)
{
    public async Task AddAsync(ResegmentationRow row, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("""
            INSERT INTO resegmentations (id, frame_id, model, requested_by, requested_at, diameter, flow_threshold, cellprob_threshold, state)
            VALUES (@Id, @FrameId, @Model, @RequestedBy, @RequestedAt, @Diameter, @FlowThreshold, @CellprobThreshold, @State)
            """, row);
    }

    public async Task<ResegmentationRow?> GetAsync(Guid id, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<ResegmentationRow>("SELECT * FROM resegmentations WHERE id = @Id", new { Id = id.ToString() });
    }

    /// <summary>The frame's request still waiting for a worker, newest first; null when none waits.</summary>
    public async Task<ResegmentationRow?> PendingForFrameAsync(Guid frameId, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QueryFirstOrDefaultAsync<ResegmentationRow>(
            "SELECT * FROM resegmentations WHERE frame_id = @Id AND state = @State ORDER BY requested_at DESC",
            new { Id = frameId.ToString(), State = ResegmentationStates.Requested });
    }

    /// <summary>Ends a waiting request as Done; false when it had ended already (a redelivered command).</summary>
    public async Task<bool> TryCompleteAsync(Guid id, ResegmentationOutcome outcome, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("""
            UPDATE resegmentations SET state = @Done, model_version = @ModelVersion, diameter_used = @Diameter, diameter_source = @DiameterSource,
                flow_threshold_used = @FlowThreshold, cellprob_threshold_used = @CellprobThreshold, object_count = @ObjectCount,
                masks_path = @MasksPath, seconds = @Seconds, completed_at = @CompletedAt
            WHERE id = @Id AND state = @Requested
            """, new
        {
            Id = id.ToString(), Done = ResegmentationStates.Done, Requested = ResegmentationStates.Requested, outcome.ModelVersion, outcome.Diameter,
            outcome.DiameterSource, outcome.FlowThreshold, outcome.CellprobThreshold, outcome.ObjectCount, outcome.MasksPath, outcome.Seconds,
            CompletedAt = Database.Timestamp(outcome.CompletedAt),
        });
        return rows == 1;
    }

    /// <summary>Ends a waiting request as Failed with the reason; false when it had ended already.</summary>
    public async Task<bool> TryFailAsync(Guid id, string reason, DateTimeOffset at, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync(
            "UPDATE resegmentations SET state = @Failed, reason = @Reason, completed_at = @At WHERE id = @Id AND state = @Requested",
            new { Id = id.ToString(), Failed = ResegmentationStates.Failed, Requested = ResegmentationStates.Requested, Reason = reason, At = Database.Timestamp(at) });
        return rows == 1;
    }
}
