using AcqSeg.Contracts;
using AcqSeg.ReviewHost.Events;
using MassTransit;

namespace AcqSeg.ReviewHost.Consumers;

/// <summary>Turns the segment workers' results into events on this host's stream (GET /api/events).</summary>
public sealed class FrameEventsConsumer(FrameEventHub hub, TimeProvider clock) : IConsumer<FrameSegmented>, IConsumer<FrameFailed>
{
    public Task Consume(ConsumeContext<FrameSegmented> context)
    {
        var m = context.Message;
        var now = clock.GetUtcNow();
        hub.Publish(FrameEventTypes.Segmented, m.Acquisition, new FrameSegmentedEvent(m.FrameId, m.Acquisition, m.Path, m.ObjectCount,
            m.MeanObjectArea, m.Flagged, m.Reasons, m.Model, m.ModelVersion, m.SegmentedAt, m.FileWrittenAt, m.AcquiredAt, now,
            (now - m.FileWrittenAt)?.TotalSeconds, (now - m.AcquiredAt)?.TotalSeconds, m.TotalSeconds, m.MasksPath, m.ObjectsPath));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<FrameFailed> context)
    {
        var m = context.Message;
        hub.Publish(FrameEventTypes.Failed, m.Acquisition, new FrameFailedEvent(m.FrameId, m.Acquisition, m.Path, m.Reason, m.FailedAt, clock.GetUtcNow()));
        return Task.CompletedTask;
    }
}
