using System.Data.Common;
using MassTransit;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker.Consumers;

/// <summary>
/// Batching, concurrency, prefetch and retry policy of the segment queue (from SegmentWorker options): batches of up to
/// BatchSize frames, delivered when full or BatchWaitMilliseconds after their first frame, ConcurrentMessageLimit batches at
/// once. The endpoint takes BatchSize x ConcurrentMessageLimit frames at once and prefetches at least that many; with
/// BatchSize 1 that is the frame-by-frame worker's concurrency and prefetch.
/// </summary>
public sealed class SegmentFramesConsumerDefinition : ConsumerDefinition<SegmentFramesConsumer>
{
    private readonly SegmentWorkerOptions options;

    public SegmentFramesConsumerDefinition(IOptions<SegmentWorkerOptions> options)
    {
        this.options = options.Value;
        EndpointName = "segment-frame";
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<SegmentFramesConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConcurrentMessageLimit = options.FramesInHand;
        endpointConfigurator.PrefetchCount = Math.Max(options.PrefetchCount, options.FramesInHand);
        consumerConfigurator.Options<BatchOptions>(b => b
            .SetMessageLimit(options.BatchSize)
            .SetTimeLimit(TimeSpan.FromMilliseconds(options.BatchWaitMilliseconds))
            .SetTimeLimitStart(BatchTimeLimitStart.FromFirst)
            .SetConcurrencyLimit(options.ConcurrentMessageLimit));
        // MassTransit retries a batch as a whole; frames of it that were recorded are skipped on the retry as done.
        UseTransientRetry(endpointConfigurator, options);
    }

    /// <summary>
    /// Exponential back-off over SegmentWorker:RetryLimit attempts for transient faults only (a locked file, a busy database,
    /// a network blip); the consumers turn permanent ones into a recorded failure themselves.
    /// </summary>
    public static void UseTransientRetry(IReceiveEndpointConfigurator endpoint, SegmentWorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        endpoint.UseMessageRetry(r =>
        {
            r.Exponential(options.RetryLimit, TimeSpan.FromMilliseconds(options.RetryMinMilliseconds),
                TimeSpan.FromMilliseconds(options.RetryMaxMilliseconds), TimeSpan.FromMilliseconds(options.RetryMinMilliseconds));
            r.Handle<IOException>(ex => FrameSegmentation.IsTransient(ex));
            r.Handle<TimeoutException>();
            r.Handle<DbException>();
        });
    }
}
