using Dapper;

namespace AcqSeg.Persistence;

public sealed class CorrectionRow
{
    public string Id { get; set; } = "";
    public string FrameId { get; set; } = "";
    public string Model { get; set; } = "";
    public int ModelVersion { get; set; }
    public string MasksPath { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public string SubmittedAt { get; set; } = "";
    public string? TrainingRunId { get; set; }
    /// <summary>The frame's image (joined from frames).</summary>
    public string ImagePath { get; set; } = "";
}

public sealed class TrainingRunRow
{
    public string Id { get; set; } = "";
    public string Model { get; set; } = "";
    public int BaseVersion { get; set; }
    public string State { get; set; } = "";
    public int Corrections { get; set; }
    public string CheckpointDir { get; set; } = "";
    public double? ApBefore { get; set; }
    public double? ApAfter { get; set; }
    public int? NewVersion { get; set; }
    public string? Outcome { get; set; }
    public string StartedAt { get; set; } = "";
    public string? FinishedAt { get; set; }
}

public static class TrainingStates
{
    public const string Running = "Running";
    public const string Published = "Published";
    public const string Rejected = "Rejected";
    public const string Failed = "Failed";
}

/// <summary>Curator corrections and the training runs that fold them into a lineage.</summary>
public sealed class CorrectionStore(Database database)
{
    /// <summary>Stores a correction; false when the same masks were already submitted for the frame.</summary>
    public async Task<bool> TryAddAsync(CorrectionRow row, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("""
            INSERT INTO corrections (id, frame_id, model, model_version, masks_path, sha256, submitted_at)
            VALUES (@Id, @FrameId, @Model, @ModelVersion, @MasksPath, @Sha256, @SubmittedAt)
            ON CONFLICT DO NOTHING
            """, row);
        return rows == 1;
    }

    /// <summary>Every correction of a lineage (latest per frame), with the frame's image path.</summary>
    public async Task<IReadOnlyList<CorrectionRow>> ForModelAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var all = await c.QueryAsync<CorrectionRow>("""
            SELECT k.*, f.path AS image_path FROM corrections k JOIN frames f ON f.id = k.frame_id
            WHERE k.model = @Model ORDER BY k.submitted_at
            """, new { Model = model });
        // A frame corrected twice trains on its latest masks only.
        return all.GroupBy(r => r.FrameId).Select(g => g.Last()).OrderBy(r => r.FrameId, StringComparer.Ordinal).ToList();
    }

    public async Task<int> PendingCountAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM corrections WHERE model = @Model AND training_run_id IS NULL", new { Model = model });
    }

    /// <summary>Starts a run for the lineage unless one is running; claims the pending corrections. Null when busy.</summary>
    public async Task<TrainingRunRow?> TryStartRunAsync(TrainingRunRow run, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await using var tx = await c.BeginTransactionAsync(cancel);
        int running = await c.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM training_runs WHERE model = @Model AND state = 'Running'", new { run.Model }, tx);
        if (running > 0)
        {
            await tx.RollbackAsync(cancel);
            return null;
        }
        int claimed = await c.ExecuteAsync(
            "UPDATE corrections SET training_run_id = @Id WHERE model = @Model AND training_run_id IS NULL", new { run.Id, run.Model }, tx);
        run.Corrections = claimed;
        run.State = TrainingStates.Running;
        await c.ExecuteAsync("""
            INSERT INTO training_runs (id, model, base_version, state, corrections, checkpoint_dir, started_at)
            VALUES (@Id, @Model, @BaseVersion, @State, @Corrections, @CheckpointDir, @StartedAt)
            """, run, tx);
        await tx.CommitAsync(cancel);
        return run;
    }

    public async Task<IReadOnlyList<TrainingRunRow>> RunningAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<TrainingRunRow>("SELECT * FROM training_runs WHERE state = 'Running' ORDER BY started_at")).ToList();
    }

    public async Task<IReadOnlyList<TrainingRunRow>> RunsAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<TrainingRunRow>("SELECT * FROM training_runs WHERE model = @Model ORDER BY started_at", new { Model = model })).ToList();
    }

    public async Task FinishRunAsync(string id, string state, double? apBefore, double? apAfter, int? newVersion, string outcome, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("""
            UPDATE training_runs SET state = @State, ap_before = @ApBefore, ap_after = @ApAfter, new_version = @NewVersion,
                outcome = @Outcome, finished_at = @At
            WHERE id = @Id AND state = 'Running'
            """, new { Id = id, State = state, ApBefore = apBefore, ApAfter = apAfter, NewVersion = newVersion, Outcome = outcome, At = Database.Timestamp(DateTimeOffset.UtcNow) });
    }
}
