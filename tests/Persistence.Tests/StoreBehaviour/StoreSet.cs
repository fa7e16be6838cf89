using AcqSeg.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace AcqSeg.Persistence.Tests.StoreBehaviour;

/// <summary>A migrated, empty database of one dialect and the stores over it; disposing removes the database.</summary>
public abstract class StoreSet : IAsyncDisposable
{
    protected void Open(DatabaseOptions options)
    {
        Database = new Database(options);
        Migrator = new SchemaMigrator(Database, NullLogger<SchemaMigrator>.Instance);
        Frames = new FrameStore(Database);
        Models = new ModelStore(Database);
        Corrections = new CorrectionStore(Database);
        Curators = new CuratorStore(Database);
        Queries = new ReviewQueries(Database);
        Resegmentations = new ResegmentationStore(Database);
    }

    public Database Database { get; private set; } = null!;
    public SchemaMigrator Migrator { get; private set; } = null!;
    public FrameStore Frames { get; private set; } = null!;
    public ModelStore Models { get; private set; } = null!;
    public CorrectionStore Corrections { get; private set; } = null!;
    public CuratorStore Curators { get; private set; } = null!;
    public ReviewQueries Queries { get; private set; } = null!;
    public ResegmentationStore Resegmentations { get; private set; } = null!;

    public abstract ValueTask DisposeAsync();

    public static FrameRow NewFrame(string acquisition = "acq", string path = "/data/acq/f.tif", string sha = "ab") => new()
    {
        Id = Guid.NewGuid().ToString(),
        Acquisition = acquisition,
        Path = path,
        Sha256 = sha,
        SizeBytes = 10,
        Model = "m",
        AcquiredAt = Database.Timestamp(DateTimeOffset.UtcNow),
    };
}
