using Dapper;

namespace AcqSeg.Persistence;

public sealed class ModelVersionRow
{
    public string Model { get; set; } = "";
    public int Version { get; set; }
    public string Path { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public int? ParentVersion { get; set; }
    public string? TrainingRunId { get; set; }
    public double? ApBefore { get; set; }
    public double? ApAfter { get; set; }
    public string CreatedAt { get; set; } = "";
}

public sealed class AssignmentRow
{
    public string Acquisition { get; set; } = "";
    public string Model { get; set; } = "";
    public string Source { get; set; } = "";
    public string AssignedAt { get; set; } = "";
}

/// <summary>Model lineages (versions with their parents) and which lineage each acquisition uses.</summary>
public sealed class ModelStore(Database database)
{
    public async Task<ModelVersionRow?> LatestAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<ModelVersionRow>(
            "SELECT * FROM model_versions WHERE model = @Model ORDER BY version DESC LIMIT 1", new { Model = model });
    }

    /// <summary>The lineage's first version: its base model (a zoo version, or a configured weight file).</summary>
    public async Task<ModelVersionRow?> BaseAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<ModelVersionRow>(
            "SELECT * FROM model_versions WHERE model = @Model ORDER BY version LIMIT 1", new { Model = model });
    }

    /// <summary>The version that serves frames: a pinned one (a roll back) while nothing newer was published, else the latest.</summary>
    public async Task<ModelVersionRow?> LiveAsync(string model, CancellationToken cancel = default)
    {
        var latest = await LatestAsync(model, cancel);
        if (latest is null) return null;
        int live = LiveModelStore.LiveVersion(await new LiveModelStore(database).GetAsync(model, cancel), latest.Version);
        return live == latest.Version ? latest : await GetAsync(model, live, cancel) ?? latest;
    }

    public async Task<ModelVersionRow?> GetAsync(string model, int version, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<ModelVersionRow>(
            "SELECT * FROM model_versions WHERE model = @Model AND version = @Version", new { Model = model, Version = version });
    }

    public async Task<IReadOnlyList<ModelVersionRow>> LineageAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return (await c.QueryAsync<ModelVersionRow>(
            "SELECT * FROM model_versions WHERE model = @Model ORDER BY version", new { Model = model })).ToList();
    }

    /// <summary>Adds a version; false when (model, version) exists already.</summary>
    public async Task<bool> TryAddVersionAsync(ModelVersionRow row, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("""
            INSERT INTO model_versions (model, version, path, sha256, parent_version, training_run_id, ap_before, ap_after, created_at)
            VALUES (@Model, @Version, @Path, @Sha256, @ParentVersion, @TrainingRunId, @ApBefore, @ApAfter, @CreatedAt)
            ON CONFLICT (model, version) DO NOTHING
            """, row);
        return rows == 1;
    }

    public async Task<AssignmentRow?> GetAssignmentAsync(string acquisition, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<AssignmentRow>(
            "SELECT * FROM model_assignments WHERE acquisition = @Acquisition", new { Acquisition = acquisition });
    }

    /// <summary>Sets (or replaces) the acquisition's model.</summary>
    public async Task AssignAsync(string acquisition, string model, string source, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("""
            INSERT INTO model_assignments (acquisition, model, source, assigned_at) VALUES (@Acquisition, @Model, @Source, @At)
            ON CONFLICT (acquisition) DO UPDATE SET model = excluded.model, source = excluded.source, assigned_at = excluded.assigned_at
            """, new { Acquisition = acquisition, Model = model, Source = source, At = Database.Timestamp(DateTimeOffset.UtcNow) });
    }

    /// <summary>Keeps an existing assignment (an operator's choice wins over a later suggestion); true when added.</summary>
    public async Task<bool> TryAssignAsync(string acquisition, string model, string source, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        int rows = await c.ExecuteAsync("""
            INSERT INTO model_assignments (acquisition, model, source, assigned_at) VALUES (@Acquisition, @Model, @Source, @At)
            ON CONFLICT (acquisition) DO NOTHING
            """, new { Acquisition = acquisition, Model = model, Source = source, At = Database.Timestamp(DateTimeOffset.UtcNow) });
        return rows == 1;
    }
}
