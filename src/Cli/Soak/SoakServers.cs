using System.Globalization;
using AcqSeg.Cli.Hitl;
using AcqSeg.ServiceDefaults;
using Dapper;
using Npgsql;

namespace AcqSeg.Cli.Soak;

/// <summary>
/// The servers a soak runs on: a fresh RabbitMQ virtual host and a fresh PostgreSQL database per run (so no earlier
/// run's queue or rows count), and the two restarts. RabbitMQ is driven with rabbitmqctl (stop_app/start_app: every
/// connection drops and the queues come back from disk, as after a broker restart), PostgreSQL with pg_ctlcluster
/// (a fast stop ends every session), both as ops/services.sh runs them on this machine.
/// </summary>
internal sealed class SoakServers(SoakSettings settings, string logFile)
{
    private readonly string stamp = DateTime.UtcNow.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture) + "_" + Environment.ProcessId;

    public string VirtualHost => "acqseg-soak-" + stamp;

    public string DatabaseName => "acqseg_soak_" + stamp;

    /// <summary>--bus with the run's own virtual host.</summary>
    public string Bus
    {
        get
        {
            var r = BusOptions.Parse(settings.Bus).RabbitMq;
            return $"rabbitmq://{Uri.EscapeDataString(r.Username)}:{Uri.EscapeDataString(r.Password)}@{r.Host}:{r.Port}/{Uri.EscapeDataString(VirtualHost)}";
        }
    }

    /// <summary>--db naming the run's own database.</summary>
    public string Database => new NpgsqlConnectionStringBuilder(settings.Database) { Database = DatabaseName }.ConnectionString;

    public async Task CreateAsync()
    {
        string user = BusOptions.Parse(settings.Bus).RabbitMq.Username;
        await RabbitMqCtlAsync("add_vhost", VirtualHost);
        await RabbitMqCtlAsync("set_permissions", "-p", VirtualHost, user, ".*", ".*", ".*");
        await using (var c = new NpgsqlConnection(settings.Database))
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
        await using (var c = new NpgsqlConnection(settings.Database))
        {
            await c.OpenAsync();
            await c.ExecuteAsync($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)");
        }
        await RabbitMqCtlAsync("delete_vhost", VirtualHost);
    }

    public async Task RestartBrokerAsync()
    {
        await RabbitMqCtlAsync("stop_app");
        await Task.Delay(TimeSpan.FromSeconds(settings.OutageSeconds));
        await RabbitMqCtlAsync("start_app");
        await RabbitMqCtlAsync("await_startup");
    }

    public async Task RestartDatabaseAsync()
    {
        string[] cluster = settings.PostgresCluster.Split('/');
        await RunAsync("pg_ctlcluster", [cluster[0], cluster[1], "stop", "-m", "fast"]);
        await Task.Delay(TimeSpan.FromSeconds(settings.OutageSeconds));
        await RunAsync("pg_ctlcluster", [cluster[0], cluster[1], "start"]);
    }

    private Task RabbitMqCtlAsync(params string[] args) => RunAsync("rabbitmqctl", ["-q", "-n", settings.RabbitMqNode, .. args]);

    private async Task RunAsync(string program, string[] args)
    {
        await using var process = ServiceProcess.StartProgram(program, args, new Dictionary<string, string>(), logFile);
        int code = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        if (code != 0)
            throw new SoakException($"{program} {string.Join(' ', args)} exited with {code} (its output is in {logFile}); " +
                "start the servers with `source ops/services.sh && acqseg_start_services`, or fix --rabbitmq-node / --postgres-cluster");
    }
}

/// <summary>The soak could not set up or drive its servers: one line naming what failed and the fix.</summary>
internal sealed class SoakException(string message) : Exception(message);
