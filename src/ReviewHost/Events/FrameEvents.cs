namespace AcqSeg.ReviewHost.Events;

/// <summary>Event types on GET /api/events (the SSE "event:" field).</summary>
public static class FrameEventTypes
{
    /// <summary>A frame was segmented, whether the quality gate passed it or flagged it (then Flagged and Reasons say so).</summary>
    public const string Segmented = "segmented";

    /// <summary>A frame could not be segmented (a corrupt or unsupported file, an output disk that stayed unwritable).</summary>
    public const string Failed = "failed";

    /// <summary>The events after the client's Last-Event-ID cannot be replayed; some may have been missed.</summary>
    public const string Gap = "gap";
}

/// <summary>The data of a "segmented" event: the frame's summary first, then the model and the times.</summary>
/// <param name="MeanObjectArea">Pixels; 0 without objects; null when the segment worker predates it.</param>
/// <param name="Reasons">Quality rules tripped (empty when it passed); null when the segment worker predates it.</param>
/// <param name="FileWrittenAt">The frame file's last-write time (its writer finished), when the segment worker sent it.</param>
/// <param name="AcquiredAt">When the watcher registered the complete file, when the segment worker sent it.</param>
/// <param name="EventAt">When this review host received the result and sent the event.</param>
/// <param name="SecondsSinceFileWritten">EventAt - FileWrittenAt: file complete to event (clocks of the file server and this host).</param>
/// <param name="SecondsSinceAcquired">EventAt - AcquiredAt: includes segmentation, not the watcher's stability wait.</param>
/// <param name="SegmentSeconds">The segment worker's time for the frame (read to outputs written).</param>
public sealed record FrameSegmentedEvent(
    Guid FrameId,
    string Acquisition,
    string Path,
    int ObjectCount,
    double? MeanObjectArea,
    bool Flagged,
    IReadOnlyList<string>? Reasons,
    string Model,
    int ModelVersion,
    DateTimeOffset SegmentedAt,
    DateTimeOffset? FileWrittenAt,
    DateTimeOffset? AcquiredAt,
    DateTimeOffset EventAt,
    double? SecondsSinceFileWritten,
    double? SecondsSinceAcquired,
    double SegmentSeconds,
    string MasksPath,
    string? ObjectsPath);

/// <summary>The data of a "failed" event.</summary>
public sealed record FrameFailedEvent(Guid FrameId, string Acquisition, string Path, string Reason, DateTimeOffset FailedAt, DateTimeOffset EventAt);

/// <summary>The data of a "gap" event: why the events after <paramref name="LastEventId"/> are not replayed.</summary>
public sealed record StreamGapEvent(string LastEventId, string Reason);
