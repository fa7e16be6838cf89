using System.ComponentModel.DataAnnotations;

namespace AcqSeg.Persistence;

public enum SqlDialect
{
    Sqlite,
    Postgres,
}

/// <summary>Where frames, stats, corrections and model lineage live.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>A SQLite file path (or "Data Source=..."), or a PostgreSQL connection ("Host=...;Database=..." or
    /// postgres://user:pass@host:port/db).</summary>
    [Required(ErrorMessage = "Database:ConnectionString is required: a SQLite file path or a PostgreSQL connection string")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply pending migrations at start (off when a DBA runs them).</summary>
    public bool MigrateOnStart { get; set; } = true;

    public SqlDialect Dialect => IsPostgres(ConnectionString) ? SqlDialect.Postgres : SqlDialect.Sqlite;

    public static bool IsPostgres(string connection) =>
        connection.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || connection.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || connection.Contains("Host=", StringComparison.OrdinalIgnoreCase);
}
