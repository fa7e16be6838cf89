using Dapper;
using Npgsql;

namespace AcqSeg.TestSupport;

/// <summary>Fresh databases and schemas on the test server, each removed again on dispose.</summary>
public static class PostgresServer
{
    /// <summary>An empty database of its own (CREATE DATABASE; the test user has CREATEDB).</summary>
    public static async Task<TemporaryDatabase> CreateDatabaseAsync()
    {
        var lease = await ServerRestartLock.SharedAsync();
        var admin = new NpgsqlConnectionStringBuilder(Servers.Postgres);
        string name = $"acqseg_it_{Guid.NewGuid():N}";
        try
        {
            await using var c = new NpgsqlConnection(admin.ConnectionString);
            await c.OpenAsync();
            await c.ExecuteAsync($"CREATE DATABASE \"{name}\"");
        }
        catch
        {
            lease.Dispose();
            throw;
        }
        var own = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = name };
        return new TemporaryDatabase(admin.ConnectionString, own.ConnectionString, name, lease);
    }

    /// <summary>An empty schema in the test database; connections made with the returned string work inside it.</summary>
    public static async Task<TemporarySchema> CreateSchemaAsync()
    {
        var lease = await ServerRestartLock.SharedAsync();
        string admin = Servers.Postgres;
        string schema = $"it_{Guid.NewGuid():N}";
        try
        {
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync();
            await c.ExecuteAsync($"CREATE SCHEMA \"{schema}\"");
        }
        catch
        {
            lease.Dispose();
            throw;
        }
        var own = new NpgsqlConnectionStringBuilder(admin) { SearchPath = schema };
        return new TemporarySchema(admin, own.ConnectionString, schema, lease);
    }

    public sealed class TemporaryDatabase(string admin, string connectionString, string name, IDisposable lease) : IAsyncDisposable
    {
        public string ConnectionString { get; } = connectionString;
        public string Name { get; } = name;

        public async ValueTask DisposeAsync()
        {
            try
            {
                NpgsqlConnection.ClearAllPools();
                await using var c = new NpgsqlConnection(admin);
                await c.OpenAsync();
                await c.ExecuteAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
            }
            finally
            {
                lease.Dispose();
            }
        }
    }

    public sealed class TemporarySchema(string admin, string connectionString, string name, IDisposable lease) : IAsyncDisposable
    {
        public string ConnectionString { get; } = connectionString;
        public string Name { get; } = name;

        public async ValueTask DisposeAsync()
        {
            try
            {
                NpgsqlConnection.ClearAllPools();
                await using var c = new NpgsqlConnection(admin);
                await c.OpenAsync();
                await c.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE");
            }
            finally
            {
                lease.Dispose();
            }
        }
    }
}
