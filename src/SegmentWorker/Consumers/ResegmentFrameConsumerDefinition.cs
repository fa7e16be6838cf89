using MassTransit;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker.Consumers;

/// <summary>
/// Re-segment requests have a queue of their own, so a curator's request does not wait behind an acquisition's backlog of
/// frames (it still waits for the model while a frame runs on it). One at a time per worker; transient faults are retried
/// as for frames.
/// </summary>
public sealed class ResegmentFrameConsumerDefinition : ConsumerDefinition<ResegmentFrameConsumer>
{
    private readonly SegmentWorkerOptions options;

    public ResegmentFrameConsumerDefinition(IOptions<SegmentWorkerOptions> options)
    {
        this.options = options.Value;
        EndpointName = "resegment-frame";
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ResegmentFrameConsumer> consumerConfigurator, IRegistrationContext context) =>
        SegmentFramesConsumerDefinition.UseTransientRetry(endpointConfigurator, options);
}
