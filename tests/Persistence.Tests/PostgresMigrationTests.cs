using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace AcqSeg.Persistence.Tests;

/// <summary>The PostgreSQL migrations on an empty database of their own.</summary>
public sealed class PostgresMigrationTests
{
    private static readonly string[] Tables = ["frames", "frame_stats", "review_reasons", "corrections", "model_assignments", "model_versions", "training_runs", "resegmentations", "schema_migrations"];

    [SkippableFact]
    public async Task Migrate_EmptyDatabase_CreatesEveryTableAndRecordsEachScriptOnce()
    {
        await using var temp = await PostgresServer.CreateDatabaseAsync();
        var database = new Database(new DatabaseOptions { ConnectionString = temp.ConnectionString });
        var migrator = new SchemaMigrator(database, NullLogger<SchemaMigrator>.Instance);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        var expected = SchemaMigrator.Scripts(SqlDialect.Postgres).Select(s => s.Version).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, first);
        Assert.Empty(second);
        await using var c = await database.OpenAsync();
        var tables = (await c.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).ToHashSet();
        Assert.All(Tables, t => Assert.Contains(t, tables));
        Assert.Equal(expected, (await c.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList());
    }

    [SkippableFact]
    public async Task Migrate_ThroughAPostgresUrl_ReachesTheSameDatabase()
    {
        await using var temp = await PostgresServer.CreateDatabaseAsync();
        var b = new Npgsql.NpgsqlConnectionStringBuilder(temp.ConnectionString);
        string url = $"postgres://{Uri.EscapeDataString(b.Username!)}:{Uri.EscapeDataString(b.Password ?? "")}@{b.Host}:{b.Port}/{b.Database}";
        var options = new DatabaseOptions { ConnectionString = url };
        Assert.Equal(SqlDialect.Postgres, options.Dialect);

        var applied = await new SchemaMigrator(new Database(options), NullLogger<SchemaMigrator>.Instance).MigrateAsync();

        Assert.NotEmpty(applied);
        var again = await new SchemaMigrator(new Database(new DatabaseOptions { ConnectionString = temp.ConnectionString }), NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        Assert.Empty(again);
    }
}
