using MassTransit;

namespace AcqSeg.ServiceDefaults;

/// <summary>
/// Publishing a message that some queue must receive. RabbitMQ silently drops a message published to an exchange that
/// no queue is bound to yet (a watcher publishing before any segment worker has ever connected to a new broker or
/// virtual host). Published as mandatory, the broker returns it instead and the publish fails, so the sender can keep
/// the work and try again. The in-memory bus binds its queues when it is built and needs nothing.
/// </summary>
public static class RoutedPublish
{
    public static async Task PublishRoutedAsync<T>(this IPublishEndpoint bus, T message, CancellationToken cancel) where T : class
    {
        try
        {
            await bus.Publish(message, context =>
            {
                // On RabbitMQ the context is the transport's send context, and MassTransit's TryGetPayload returns the
                // context itself when it is of the asked type (or finds it behind a wrapping context).
                if (context.TryGetPayload(out RabbitMqSendContext? rabbit) && rabbit is not null) rabbit.Mandatory = true;
            }, cancel);
        }
        catch (MessageReturnedException ex)
        {
            throw new MessageNotRoutedException(typeof(T).Name, ex);
        }
    }
}

/// <summary>The broker had no queue for a published message and returned it.</summary>
public sealed class MessageNotRoutedException(string messageType, Exception inner)
    : Exception($"the broker has no queue bound for {messageType} messages ({inner.Message})", inner)
{
    public string MessageType { get; } = messageType;
}
