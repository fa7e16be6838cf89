using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AcqSeg.Hosts.Tests;

/// <summary>A migrated SQLite database in a temporary folder.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly TempFolder folder = new("acqseg-db");

    public TestDatabase()
    {
        Path = folder.File("acqseg.db");
        Database = new Database(new DatabaseOptions { ConnectionString = Path });
        Migrator = new SchemaMigrator(Database, NullLogger<SchemaMigrator>.Instance);
        Migrator.MigrateAsync().GetAwaiter().GetResult();
        Frames = new FrameStore(Database);
        Models = new ModelStore(Database);
        Corrections = new CorrectionStore(Database);
    }

    public string Path { get; }
    public string Folder => folder.Path;
    public Database Database { get; }
    public SchemaMigrator Migrator { get; }
    public FrameStore Frames { get; }
    public ModelStore Models { get; }
    public CorrectionStore Corrections { get; }

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

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        folder.Dispose();
    }
}
