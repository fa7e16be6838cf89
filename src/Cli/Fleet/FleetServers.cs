using System.Globalization;
using AcqSeg.Cli.Hitl;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using Dapper;
using Npgsql;

namespace AcqSeg.Cli.Fleet;

/// <summary>
/// The servers role processes share, as given on the command line: RabbitMQ as rabbitmq://user:pass@host:port/ (a run
/// makes its own virtual host on it), the node rabbitmqctl drives, and a PostgreSQL connection of a user who may
/// CREATEDB (a run makes its own database).
/// </summary>
internal sealed record ServerAccess(string Bus, string Database, string RabbitMqNode)
{
    /// <summary>The fix named when a server does not answer: the local servers the integration tests use.</summary>
    public const string StartServers = "start the servers with `source ops/services.sh && acqseg_start_services`";

    /// <summary>The RabbitMQ of ops/services.sh: ACQSEG_RABBITMQ (amqp://...) when it is set, else its fixed address.</summary>
    public static string LocalBus =>
        Environment.GetEnvironmentVariable("ACQSEG_RABBITMQ") is { Length: > 0 } amqp && Uri.TryCreate(amqp, UriKind.Absolute, out var uri)
            ? "rabbitmq://" + uri.GetComponents(UriComponents.UserInfo | UriComponents.HostAndPort | UriComponents.Path, UriFormat.UriEscaped)
            : "rabbitmq://acqseg:acqseg@127.0.0.1:5672/";

    /// <summary>The PostgreSQL of ops/services.sh: ACQSEG_POSTGRES when it is set, else its fixed connection.</summary>
    public static string LocalDatabase =>
        Environment.GetEnvironmentVariable("ACQSEG_POSTGRES") is { Length: > 0 } db ? db : "Host=127.0.0.1;Port=5432;Username=acqseg;Password=acqseg;Database=acqseg_test";

    /// <summary>RABBITMQ_NODENAME (ops/services.sh exports it) or RabbitMQ's default node.</summary>
    public static string LocalRabbitMqNode => Environment.GetEnvironmentVariable("RABBITMQ_NODENAME") is { Length: > 0 } n ? n : "rabbit@localhost";

    /// <summary>Checks the forms of --bus and --db (not yet whether the servers answer: <see cref="FleetServers.RequireReachableAsync"/>).</summary>
    public static ServerAccess Parse(string bus, string database, string rabbitMqNode, string why)
    {
        try
        {
            if (!BusOptions.Parse(bus).IsRabbitMq) throw new UsageException($"--bus must be rabbitmq://user:pass@host:port/: {why}");
        }
        catch (FormatException ex)
        {
            throw new UsageException($"--bus: {ex.Message}");
        }
        if (!DatabaseOptions.IsPostgres(database))
            throw new UsageException($"--db '{CliDatabase.Shown(database)}' is not a PostgreSQL connection; give one such as \"Host=127.0.0.1;Username=acqseg;Password=...;Database=acqseg_test\"");
        if (string.IsNullOrWhiteSpace(rabbitMqNode)) throw new UsageException("--rabbitmq-node is empty: give the node rabbitmqctl drives, e.g. rabbit@localhost");
        return new ServerAccess(bus, database, rabbitMqNode);
    }

    /// <summary>--bus as it may be printed: the password left out.</summary>
    public string ShownBus
    {
        get
        {
            var r = BusOptions.Parse(Bus).RabbitMq;
            return $"rabbitmq://{r.Username}:***@{r.Host}:{r.Port}/{(r.VirtualHost == "/" ? "" : r.VirtualHost)}";
        }
    }
}

/// <summary>
/// A run's own servers: a fresh RabbitMQ virtual host and a fresh PostgreSQL database (so no earlier run's queue or rows
/// count), made with rabbitmqctl and CREATE DATABASE, dropped after; and the restarts a soak makes. RabbitMQ is restarted
/// with rabbitmqctl (stop_app/start_app: every connection drops and the queues come back from disk, as after a broker
/// restart), PostgreSQL with pg_ctlcluster (a fast stop ends every session), both as ops/services.sh runs them.
/// </summary>
internal sealed class FleetServers(ServerAccess access, string purpose, string logFile)
{
    private readonly string stamp = DateTime.UtcNow.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture) + "_" + Environment.ProcessId;

    public string VirtualHost => $"acqseg-{purpose}-{stamp}";

    public string DatabaseName => $"acqseg_{purpose.Replace('-', '_')}_{stamp}";

    /// <summary>--bus with the run's own virtual host.</summary>
    public string Bus
    {
        get
        {
            var r = BusOptions.Parse(access.Bus).RabbitMq;
            return $"rabbitmq://{Uri.EscapeDataString(r.Username)}:{Uri.EscapeDataString(r.Password)}@{r.Host}:{r.Port}/{Uri.EscapeDataString(VirtualHost)}";
        }
    }

    /// <summary>--db naming the run's own database.</summary>
    public string Database => new NpgsqlConnectionStringBuilder(access.Database) { Database = DatabaseName }.ConnectionString;

    /// <summary>
    /// RabbitMQ's port answers and PostgreSQL takes a connection, each within 5 s; else a <see cref="FleetException"/>
    /// naming the server, the flag and the fix, before any virtual host or process is made.
    /// </summary>
    public static async Task RequireReachableAsync(ServerAccess access)
    {
        var r = BusOptions.Parse(access.Bus).RabbitMq;
        if (BrokerPreflight.Unreachable(r) is { } why)
            throw new FleetException($"cannot reach RabbitMQ at {r.Host}:{r.Port} ({why}) named by --bus {access.ShownBus}; {ServerAccess.StartServers}, or give --bus");
        try
        {
            await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(access.Database) { Timeout = 5 }.ConnectionString);
            await c.OpenAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or ArgumentException)
        {
            throw new FleetException($"cannot connect to PostgreSQL with --db '{CliDatabase.Shown(access.Database)}' ({ex.Message.Split('\n')[0]}); {ServerAccess.StartServers}, or give --db");
        }
    }

    public async Task CreateAsync()
    {
        string user = BusOptions.Parse(access.Bus).RabbitMq.Username;
        await RabbitMqCtlAsync("add_vhost", VirtualHost);
        await RabbitMqCtlAsync("set_permissions", "-p", VirtualHost, user, ".*", ".*", ".*");
        await using (var c = new NpgsqlConnection(access.Database))
        {
            await c.OpenAsync();
            await c.ExecuteAsync($"CREATE DATABASE \"{DatabaseName}\"");
        }
        // Migrated once here: role processes starting together would race to create the same tables.
        CliDatabase.Open(Database);
    }

    public async Task DropAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using (var c = new NpgsqlConnection(access.Database))
        {
            await c.OpenAsync();
            await c.ExecuteAsync($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)");
        }
        await RabbitMqCtlAsync("delete_vhost", VirtualHost);
    }

    public async Task RestartBrokerAsync(TimeSpan outage)
    {
        await RabbitMqCtlAsync("stop_app");
        await Task.Delay(outage);
        await RabbitMqCtlAsync("start_app");
        await RabbitMqCtlAsync("await_startup");
    }

    /// <param name="cluster">VERSION/NAME as pg_lsclusters lists it</param>
    public async Task RestartDatabaseAsync(string cluster, TimeSpan outage)
    {
        string[] parts = cluster.Split('/');
        await RunAsync("pg_ctlcluster", [parts[0], parts[1], "stop", "-m", "fast"]);
        await Task.Delay(outage);
        await RunAsync("pg_ctlcluster", [parts[0], parts[1], "start"]);
    }

    private Task RabbitMqCtlAsync(params string[] args) => RunAsync("rabbitmqctl", ["-q", "-n", access.RabbitMqNode, .. args]);

    private async Task RunAsync(string program, string[] args)
    {
        string flag = program == "rabbitmqctl" ? "--rabbitmq-node" : "--postgres-cluster";
        string fix = $"{ServerAccess.StartServers} and run this on their machine as a user who may drive them, or fix {flag}";
        ServiceProcess process;
        try
        {
            process = ServiceProcess.StartProgram(program, args, new Dictionary<string, string>(), logFile);
        }
        catch (InvalidOperationException ex)
        {
            throw new FleetException($"{ex.Message}: {program} must be on the PATH; {fix}");
        }
        await using (process)
        {
            int code = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
            if (code != 0) throw new FleetException($"{program} {string.Join(' ', args)} exited with {code} (its output is in {logFile}); {fix}");
        }
    }
}

/// <summary>A run could not set up or drive its servers or role processes: one line naming what failed and the fix.</summary>
internal sealed class FleetException(string message) : Exception(message);
