using AcqSeg.TestSupport;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace AcqSeg.Integration.Tests;

/// <summary>Looks at and operates the test broker: consumers on a queue, stopping and starting the RabbitMQ
/// application (the node stays up, every connection drops, durable queues and persistent messages survive).</summary>
public static class Broker
{
    /// <summary>A virtual host of the test's own (its queues and exchanges are apart from any other run's on this
    /// broker, so no other worker can take its messages), deleted on dispose.</summary>
    public static async Task<VirtualHost> CreateVirtualHostAsync()
    {
        string name = $"acqseg-it-{Guid.NewGuid():N}";
        string user = Uri.UnescapeDataString(new Uri(Servers.RabbitMq).UserInfo.Split(':')[0]);
        await RabbitMqCtlAsync("add_vhost", name);
        await RabbitMqCtlAsync("set_permissions", "-p", name, user, ".*", ".*", ".*");
        return new VirtualHost(name);
    }

    public sealed class VirtualHost(string name) : IAsyncDisposable
    {
        public string Name { get; } = name;

        /// <summary>amqp://user:pass@host:port/NAME (for RabbitMQ.Client).</summary>
        public string Amqp => new UriBuilder(Servers.RabbitMq) { Path = "/" + Uri.EscapeDataString(Name) }.Uri.ToString();

        /// <summary>rabbitmq://user:pass@host:port/NAME (for `acqseg run --bus`).</summary>
        public string Bus => Servers.RabbitMqBus.TrimEnd('/') + "/" + Uri.EscapeDataString(Name);

        public async ValueTask DisposeAsync() => await RabbitMqCtlAsync("delete_vhost", Name);
    }

    /// <summary>Consumers attached to the queue; 0 when it does not exist yet.</summary>
    public static async Task<uint> ConsumersAsync(string amqp, string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(amqp) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).ConsumerCount;
        }
        catch (OperationInterruptedException)
        {
            return 0;
        }
    }

    public static Task StopAppAsync() => RabbitMqCtlAsync("stop_app");

    public static Task StartAppAsync() => RabbitMqCtlAsync("start_app");

    /// <summary>The queues of a virtual host whose names start with <paramref name="prefix"/>: name, durable, consumers and
    /// arguments as rabbitmqctl prints them (e.g. [{"x-expires",60000}]).</summary>
    public static async Task<IReadOnlyList<(string Name, bool Durable, int Consumers, string Arguments)>> QueuesAsync(string vhost, string prefix)
    {
        string output = await RabbitMqCtlAsync("list_queues", "-p", vhost, "--no-table-headers", "name", "durable", "consumers", "arguments");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length == 4 && f[0].StartsWith(prefix, StringComparison.Ordinal))
            .Select(f => (f[0], f[1] == "true", int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), f[3]))
            .ToList();
    }

    /// <summary>rabbitmqctl against the node ops/services.sh started (its node name: rabbit@localhost); returns its output.</summary>
    private static async Task<string> RabbitMqCtlAsync(string command, params string[] args)
    {
        var environment = new Dictionary<string, string>
        {
            ["RABBITMQ_NODENAME"] = Environment.GetEnvironmentVariable("RABBITMQ_NODENAME") ?? "rabbit@localhost",
        };
        var run = await ChildProcess.RunAsync("rabbitmqctl", ["-q", command, .. args], TimeSpan.FromMinutes(2), environment);
        if (run.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl {command} exited {run.ExitCode}: {run.Output} {run.Error}");
        return run.Output;
    }
}
