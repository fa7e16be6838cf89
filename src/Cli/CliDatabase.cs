using System.Data.Common;
using AcqSeg.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AcqSeg.Cli;

/// <summary>
/// Opens (and migrates) the database a command names with --db before anything else runs, so that a path that cannot be
/// opened or a server that cannot be reached is one line and exit code 2, not a crash from inside a host (issue 20:
/// `run --db /proc/x.db` aborted with SIGABRT).
/// </summary>
public static class CliDatabase
{
    /// <param name="connection">a SQLite path or a PostgreSQL connection</param>
    /// <param name="mustExist">the command works on a service's existing database (a SQLite file that is not there is
    /// refused: a mistyped path would otherwise make a new, empty database)</param>
    /// <param name="createFlag">the flag that lifts <paramref name="mustExist"/>, named in the message</param>
    public static Database Open(string connection, bool mustExist = false, string? createFlag = null)
    {
        var options = new DatabaseOptions { ConnectionString = connection };
        bool sqlite = options.Dialect == SqlDialect.Sqlite;
        if (sqlite && mustExist && !connection.Contains('=') && !File.Exists(connection))
        {
            string create = createFlag is null ? "" : $", or add {createFlag} to make a new one";
            throw new UsageException($"--db '{connection}': no such database file; give the service's database{create}");
        }
        try
        {
            var database = new Database(options);
            new SchemaMigrator(database, NullLogger<SchemaMigrator>.Instance).MigrateAsync().GetAwaiter().GetResult();
            return database;
        }
        catch (Exception ex) when (ex is DbException or IOException or UnauthorizedAccessException or ArgumentException or TimeoutException)
        {
            string fix = sqlite
                ? "give a file in a folder you can write to"
                : "check that PostgreSQL is running and that the host, port, database, user and password are right";
            throw new UsageException($"--db '{Shown(connection)}': cannot open the database ({FirstLine(ex.Message)}); {fix}");
        }
    }

    /// <summary>The connection as it may be printed: a PostgreSQL password is left out.</summary>
    public static string Shown(string connection)
    {
        if (!DatabaseOptions.IsPostgres(connection)) return connection;
        if (connection.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(connection, UriKind.Absolute, out var uri))
            return uri.UserInfo.Contains(':') ? connection.Replace(uri.UserInfo, uri.UserInfo.Split(':')[0] + ":***", StringComparison.Ordinal) : connection;
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connection);
            if (!string.IsNullOrEmpty(b.Password)) b.Password = "***";
            return b.ToString();
        }
        catch (ArgumentException)
        {
            return "(a PostgreSQL connection string that does not parse)";
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
