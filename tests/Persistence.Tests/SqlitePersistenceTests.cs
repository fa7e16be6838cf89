using AcqSeg.Persistence;
using AcqSeg.Persistence.Tests.StoreBehaviour;

namespace AcqSeg.Persistence.Tests;

/// <summary>The store behaviour (StoreBehaviour/) on SQLite, a new database file per test.</summary>
public sealed class SqlitePersistenceTests : StoreBehaviourTests
{
    protected override async Task<StoreSet> OpenAsync()
    {
        var stores = new SqliteStores();
        await stores.Migrator.MigrateAsync();
        return stores;
    }

    [Fact]
    public void Scripts_BothDialects_HaveMigrations() =>
        Assert.All(new[] { SqlDialect.Sqlite, SqlDialect.Postgres }, d => Assert.NotEmpty(SchemaMigrator.Scripts(d)));

    private sealed class SqliteStores : StoreSet
    {
        private readonly TestSupport.TempFolder folder = new("acqseg-db");

        public SqliteStores() => Open(new DatabaseOptions { ConnectionString = folder.File("acqseg.db") });

        public override ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
