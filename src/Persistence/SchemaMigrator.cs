using System.Reflection;
using Dapper;
using Microsoft.Extensions.Logging;

namespace AcqSeg.Persistence;

/// <summary>
/// Applies the numbered scripts in Migrations/&lt;dialect&gt;/NNNN_name.sql that the schema_migrations table does not
/// list yet, each in its own transaction, in number order.
/// </summary>
public sealed class SchemaMigrator(Database database, ILogger<SchemaMigrator> logger)
{
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancel = default)
    {
        await using var connection = await database.OpenAsync(cancel);
        await connection.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL)
            """);
        var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet();
        var done = new List<int>();
        foreach (var script in Scripts(database.Dialect))
        {
            if (applied.Contains(script.Version)) continue;
            await using var tx = await connection.BeginTransactionAsync(cancel);
            await connection.ExecuteAsync(script.Sql, transaction: tx);
            // ON CONFLICT: two processes starting together both try; the loser's transaction fails on the
            // DDL or inserts nothing here.
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @At) ON CONFLICT (version) DO NOTHING",
                new { script.Version, script.Name, At = Database.Timestamp(DateTimeOffset.UtcNow) }, tx);
            await tx.CommitAsync(cancel);
            logger.LogInformation("Applied migration {Version} {Name} ({Dialect})", script.Version, script.Name, database.Dialect);
            done.Add(script.Version);
        }
        return done;
    }

    public sealed record Script(int Version, string Name, string Sql);

    public static IReadOnlyList<Script> Scripts(SqlDialect dialect)
    {
        var assembly = Assembly.GetExecutingAssembly();
        string prefix = $"Migrations/{(dialect == SqlDialect.Postgres ? "postgres" : "sqlite")}/";
        var scripts = new List<Script>();
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string file = resource[prefix.Length..];
            int underscore = file.IndexOf('_');
            int version = int.Parse(file[..underscore], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add(new Script(version, Path.GetFileNameWithoutExtension(file[(underscore + 1)..]), reader.ReadToEnd()));
        }
        // Two scripts with one number (two branches merged) would leave the second unapplied wherever the first ran.
        if (scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1) is { } clash)
            throw new InvalidOperationException($"migration scripts {string.Join(" and ", clash.Select(s => $"{s.Version:0000}_{s.Name}"))} share version {clash.Key}; renumber one");
        return scripts.OrderBy(s => s.Version).ToList();
    }
}
