using AcqSeg.Persistence;
using AcqSeg.Persistence.Tests.StoreBehaviour;
using AcqSeg.TestSupport;

namespace AcqSeg.Persistence.Tests;

/// <summary>The store behaviour the SQLite tests check (StoreBehaviour/), on PostgreSQL: a fresh schema per test.</summary>
public sealed class PostgresPersistenceTests : StoreBehaviourTests
{
    protected override async Task<StoreSet> OpenAsync()
    {
        var schema = await PostgresServer.CreateSchemaAsync();
        var stores = new PostgresStores(schema);
        Assert.Equal(SqlDialect.Postgres, stores.Database.Dialect);
        await stores.Migrator.MigrateAsync();
        return stores;
    }

    private sealed class PostgresStores : StoreSet
    {
        private readonly PostgresServer.TemporarySchema schema;

        public PostgresStores(PostgresServer.TemporarySchema schema)
        {
            this.schema = schema;
            Open(new DatabaseOptions { ConnectionString = schema.ConnectionString });
        }

        public override ValueTask DisposeAsync() => schema.DisposeAsync();
    }
}
