namespace AcqSeg.Contracts;

/// <summary>A complete, new TIFF was found in a watched acquisition and stored as a frame (state Acquired).</summary>
/// <param name="FrameId">Stable id derived from the path and the content hash.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
/// <param name="Model">Model lineage assigned to the acquisition (a zoo name).</param>
public sealed record FrameAcquired(
    Guid FrameId,
    string Acquisition,
    string Path,
    string Sha256,
    long SizeBytes,
    string Model,
    DateTimeOffset AcquiredAt);

/// <summary>A frame was segmented; its outputs are on disk (paths, not pixels).</summary>
/// <param name="MeanObjectArea">Mean object area in pixels (the object table's mean area); 0 when the frame has no
/// objects. Null from senders older than this property.</param>
/// <param name="Reasons">The quality rules the frame tripped (empty when it passed); null from older senders, whose
/// reasons come only in <see cref="FrameFlaggedForReview"/>.</param>
/// <param name="AcquiredAt">When the watcher registered the frame (<see cref="FrameAcquired.AcquiredAt"/>); null from older senders.</param>
/// <param name="FileWrittenAt">The frame file's last-write time as the worker read it (when its writer finished, by the
/// file server's clock); null from older senders.</param>
public sealed record FrameSegmented(
    Guid FrameId,
    string Acquisition,
    string Path,
    string Model,
    int ModelVersion,
    int ObjectCount,
    string MasksPath,
    string? FlowsPath,
    string? OutlinesPath,
    string? ObjectsPath,
    bool Flagged,
    double TotalSeconds,
    DateTimeOffset SegmentedAt,
    double? MeanObjectArea = null,
    IReadOnlyList<string>? Reasons = null,
    DateTimeOffset? AcquiredAt = null,
    DateTimeOffset? FileWrittenAt = null);

/// <summary>A segmented frame tripped one or more quality rules and waits in the review queue.</summary>
public sealed record FrameFlaggedForReview(
    Guid FrameId,
    string Acquisition,
    string Model,
    int ModelVersion,
    IReadOnlyList<string> Reasons,
    string MasksPath,
    DateTimeOffset FlaggedAt);

/// <summary>A frame could not be segmented for a permanent reason (e.g. a corrupt TIFF).</summary>
public sealed record FrameFailed(
    Guid FrameId,
    string Acquisition,
    string Path,
    string Reason,
    DateTimeOffset FailedAt);

/// <summary>A curator corrected a frame's masks; the corrected label TIFF is stored at <paramref name="MasksPath"/>.</summary>
public sealed record CorrectionSubmitted(
    Guid CorrectionId,
    Guid FrameId,
    string Acquisition,
    string Model,
    int ModelVersion,
    string MasksPath,
    string Sha256,
    DateTimeOffset SubmittedAt);
