using System.Security.Cryptography;
using MassTransit;

namespace AcqSeg.ReviewHost.Consumers;

/// <summary>
/// Every review host needs every frame event, not a share of them: each instance gets a queue of its own
/// (review-frame-events-HOST-RANDOM). It is temporary: on RabbitMQ not durable, deleted when the instance stops, and
/// otherwise (an instance that died) expiring a minute after its last consumer left (x-expires), so no queue keeps
/// events for a stream nobody reads, while a short broker or network blip loses none.
/// </summary>
public sealed class FrameEventsConsumerDefinition : ConsumerDefinition<FrameEventsConsumer>
{
    public const string QueuePrefix = "review-frame-events";

    public FrameEventsConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Name = QueuePrefix;
            e.InstanceId = InstanceId();
            e.Temporary = true;
            // One at a time: clients see the events in the order the bus delivered them.
            e.ConcurrentMessageLimit = 1;
        });
    }

    /// <summary>The host name (to spot the queue in the broker's list) and a random part (two instances on one host).</summary>
    private static string InstanceId()
    {
        string host = new(Environment.MachineName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        return $"{host}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }
}
