using Dapper;

namespace AcqSeg.Persistence;

public sealed class LiveModelRow
{
    public string Model { get; set; } = "";
    public int Version { get; set; }
    public int LatestAtPin { get; set; }
    public string SetBy { get; set; } = "";
    public string SetAt { get; set; } = "";
}

/// <summary>Pinned live versions (a roll back): the pin holds until a version newer than the lineage's latest at the
/// time of the pin is published, so a later fine-tune goes live as usual.</summary>
public sealed class LiveModelStore(Database database)
{
    public async Task PinAsync(string model, int version, int latestAtPin, string setBy, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        await c.ExecuteAsync("""
            INSERT INTO model_live (model, version, latest_at_pin, set_by, set_at) VALUES (@Model, @Version, @Latest, @By, @At)
            ON CONFLICT (model) DO UPDATE SET version = excluded.version, latest_at_pin = excluded.latest_at_pin,
                set_by = excluded.set_by, set_at = excluded.set_at
            """, new { Model = model, Version = version, Latest = latestAtPin, By = setBy, At = Database.Timestamp(DateTimeOffset.UtcNow) });
    }

    public async Task<LiveModelRow?> GetAsync(string model, CancellationToken cancel = default)
    {
        await using var c = await database.OpenAsync(cancel);
        return await c.QuerySingleOrDefaultAsync<LiveModelRow>("SELECT * FROM model_live WHERE model = @Model", new { Model = model });
    }

    /// <summary>The version that serves frames: the pin while no newer version exists, else the latest.</summary>
    public static int LiveVersion(LiveModelRow? pin, int latest) =>
        pin is not null && latest <= pin.LatestAtPin ? pin.Version : latest;
}
