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
    /// <summary>Training schedule name (e.g. "online"), its epoch count and the seed, fixed at the claim so that a
    /// resumed run trains the same way.</summary>
    public string? Schedule { get; set; }
    public int? Epochs { get; set; }
    public int? Seed { get; set; }
    /// <summary>Corrected frames trained on, held back for scoring, and the objects (ROIs) in the trained frames.</summary>
    public int? TrainFrames { get; set; }
    public int? HeldOutFrames { get; set; }
    /// <summary>The held-back frames' ids, comma-separated (null for runs recorded before they were kept).</summary>
    public string? HeldOutFrameIds { get; set; }
    public int? Rois { get; set; }
    /// <summary>Epoch the last attempt started from (above 0 when it resumed from a checkpoint).</summary>
    public int? StartEpoch { get; set; }
    public double? Seconds { get; set; }
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

    /// <summary>The frame's latest correction (what the curator last saved), or null when it was never corrected.</summary>
    public async Task<CorrectionRow?> LatestForFrameAsync(Guid frameId, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QueryFirstOrDefaultAsync<CorrectionRow>("""
            SELECT k.*, f.path AS image_path FROM corrections k JOIN frames f ON f.id = k.frame_id
            WHERE k.frame_id = @Id ORDER BY k.submitted_at DESC, k.id DESC
            """, new { Id = frameId.ToString() });
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
            INSERT INTO training_runs (id, model, base_version, state, corrections, checkpoint_dir, started_at, schedule, epochs, seed)
            VALUES (@Id, @Model, @BaseVersion, @State, @Corrections, @CheckpointDir, @StartedAt, @Schedule, @Epochs, @Seed)
            """, run, tx);
        await tx.CommitAsync(cancel);
        return run;
    }

    /// <summary>
    /// What a lineage's training run learns from: every correction already claimed by a run (this one or earlier
    /// ones), the latest per frame, with the frame's image path. Corrections still pending wait for the next round.
    /// </summary>
    public async Task<IReadOnlyList<CorrectionRow>> ClaimedForModelAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        var all = await c.QueryAsync<CorrectionRow>("""
            SELECT k.*, f.path AS image_path FROM corrections k JOIN frames f ON f.id = k.frame_id
            WHERE k.model = @Model AND k.training_run_id IS NOT NULL ORDER BY k.submitted_at, k.id
            """, new { Model = model });
        return all.GroupBy(r => r.FrameId).Select(g => g.Last()).OrderBy(r => r.FrameId, StringComparer.Ordinal).ToList();
    }

    /// <summary>Lineages with corrections no run has claimed yet.</summary>
    public async Task<IReadOnlyList<string>> ModelsWithPendingAsync(CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<string>("SELECT DISTINCT model FROM corrections WHERE training_run_id IS NULL ORDER BY model")).ToList();
    }

    public async Task<TrainingRunRow?> GetRunAsync(string id, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<TrainingRunRow>("SELECT * FROM training_runs WHERE id = @Id", new { Id = id });
    }

    /// <summary>Records the training set of a running run (frames trained on and held back, ROIs, start epoch).</summary>
    public async Task RecordTrainingSetAsync(string id, int trainFrames, IReadOnlyCollection<string> heldOutFrameIds, int rois, int startEpoch,
        CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("""
            UPDATE training_runs SET train_frames = @TrainFrames, held_out_frames = @HeldOutFrames, held_out_frame_ids = @HeldOutFrameIds,
                rois = @Rois, start_epoch = @StartEpoch
            WHERE id = @Id AND state = 'Running'
            """, new
        {
            Id = id, TrainFrames = trainFrames, HeldOutFrames = heldOutFrameIds.Count,
            HeldOutFrameIds = string.Join(",", heldOutFrameIds), Rois = rois, StartEpoch = startEpoch,
        });
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

    /// <summary>Moves a running run to its final state; false when it was not running (finished by someone else).</summary>
    public async Task<bool> FinishRunAsync(string id, string state, double? apBefore, double? apAfter, int? newVersion, string outcome,
        double? seconds = null, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("""
            UPDATE training_runs SET state = @State, ap_before = @ApBefore, ap_after = @ApAfter, new_version = @NewVersion,
                outcome = @Outcome, finished_at = @At, seconds = @Seconds
            WHERE id = @Id AND state = 'Running'
            """, new { Id = id, State = state, ApBefore = apBefore, ApAfter = apAfter, NewVersion = newVersion, Outcome = outcome, Seconds = seconds,
                At = Database.Timestamp(DateTimeOffset.UtcNow) });
        return rows == 1;
    }
}
