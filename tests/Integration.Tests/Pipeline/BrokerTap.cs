using RabbitMQ.Client;

namespace AcqSeg.Integration.Tests;

/// <summary>A server-named queue per exchange, bound before the run, that keeps a copy of every message published
/// to it; the counts prove the messages crossed this broker.</summary>
public sealed class BrokerTap : IAsyncDisposable
{
    private readonly IConnection connection;
    private readonly IChannel channel;
    private readonly Dictionary<string, string> queues = new(StringComparer.Ordinal);

    private BrokerTap(IConnection connection, IChannel channel)
    {
        this.connection = connection;
        this.channel = channel;
    }

    public static async Task<BrokerTap> OpenAsync(string amqp, params string[] exchanges)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(amqp) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var tap = new BrokerTap(connection, channel);
        foreach (string exchange in exchanges)
        {
            // Declared as MassTransit declares its message-type exchanges (durable fanout), so both agree.
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(queue.QueueName, exchange, "");
            tap.queues[exchange] = queue.QueueName;
        }
        return tap;
    }

    public async Task<uint> CountAsync(string exchange) => await channel.MessageCountAsync(queues[exchange]);

    public async ValueTask DisposeAsync()
    {
        await channel.CloseAsync();
        await connection.CloseAsync();
        channel.Dispose();
        connection.Dispose();
    }
}
