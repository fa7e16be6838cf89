using System.Data.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker.Consumers;

/// <summary>Concurrency, prefetch and retry policy of the segment queue (from SegmentWorker options).</summary>
public sealed class SegmentFrameConsumerDefinition : ConsumerDefinition<SegmentFrameConsumer>
{
    private readonly SegmentWorkerOptions options;

    public SegmentFrameConsumerDefinition(IOptions<SegmentWorkerOptions> options)
    {
        this.options = options.Value;
        EndpointName = "segment-frame";
        ConcurrentMessageLimit = this.options.ConcurrentMessageLimit;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<SegmentFrameConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = options.PrefetchCount;
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Exponential(options.RetryLimit, TimeSpan.FromMilliseconds(options.RetryMinMilliseconds),
                TimeSpan.FromMilliseconds(options.RetryMaxMilliseconds), TimeSpan.FromMilliseconds(options.RetryMinMilliseconds));
            // Only transient faults are retried; the consumer turns permanent ones into FrameFailed itself.
            r.Handle<IOException>(ex => SegmentFrameConsumer.IsTransient(ex));
            r.Handle<TimeoutException>();
            r.Handle<DbException>();
        });
    }
}
