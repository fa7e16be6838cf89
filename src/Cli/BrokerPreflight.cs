using AcqSeg.ServiceDefaults;

namespace AcqSeg.Cli;

public static class BrokerPreflight
{
    /// <summary>
    /// A broker that refuses connections when `run` or `assign` starts is a wrong --bus or a stopped server: say so and stop, rather
    /// than let MassTransit retry forever with a stack trace per attempt. (A broker that goes away later is retried.)
    /// </summary>
    public static void Require(string bus)
    {
        var options = BusOptions.Parse(bus);
        if (!options.IsRabbitMq) return;
        if (Unreachable(options.RabbitMq) is { } why)
            throw new UsageException($"--bus: cannot reach RabbitMQ at {options.RabbitMq.Host}:{options.RabbitMq.Port} ({why}); start the broker or fix the host and port in --bus");
    }

    /// <summary>Null when the broker's port takes a TCP connection within 5 s, else why it did not.</summary>
    public static string? Unreachable(RabbitMqOptions broker)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            client.ConnectAsync(broker.Host, broker.Port, timeout.Token).AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return ex is OperationCanceledException ? "no answer within 5 s" : ex.Message;
        }
    }
}
