using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AcqSeg.Persistence;

/// <summary>Opens connections for the configured dialect. Connections are short-lived: open, run the SQL, dispose.</summary>
public sealed class Database
{
    private readonly string connectionString;

    static Database()
    {
        // Columns are snake_case; row classes are PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public Database(DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Dialect = options.Dialect;
        connectionString = Dialect == SqlDialect.Postgres ? PostgresConnection(options.ConnectionString) : SqliteConnection(options.ConnectionString);
    }

    public SqlDialect Dialect { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancel = default)
    {
        DbConnection connection = Dialect == SqlDialect.Postgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancel);
            if (Dialect == SqlDialect.Sqlite)
            {
                // WAL lets the review API read while a worker writes; the busy timeout waits out short write locks.
                await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;");
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Timestamps are stored as ISO-8601 UTC text (sortable, the same in both dialects).</summary>
    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A stored timestamp back as a UTC time (the inverse of <see cref="Timestamp"/>).</summary>
    public static DateTimeOffset ParseTimestamp(string stored) =>
        DateTimeOffset.Parse(stored, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);

    private static string SqliteConnection(string value)
    {
        if (value.Contains('=')) return value;
        string full = Path.GetFullPath(value);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        return new SqliteConnectionStringBuilder { DataSource = full, Pooling = true }.ToString();
    }

    private static string PostgresConnection(string value)
    {
        if (!value.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) || value.Contains('=')) return value;
        var uri = new Uri(value);
        var userInfo = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = uri.AbsolutePath.Trim('/'),
        };
        if (userInfo.Length > 0 && userInfo[0].Length > 0) builder.Username = Uri.UnescapeDataString(userInfo[0]);
        if (userInfo.Length > 1) builder.Password = Uri.UnescapeDataString(userInfo[1]);
        return builder.ToString();
    }
}
