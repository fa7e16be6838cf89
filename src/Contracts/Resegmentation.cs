namespace AcqSeg.Contracts;

/// <summary>
/// Command: segment a frame again with other settings for the curator who has it open in the editor, as Cellpose's GUI
/// re-runs a model with another diameter or thresholds. The frame's recorded segmentation and state stay as they are; the
/// result is a proposal the curator edits and saves as a correction, or drops.
/// </summary>
/// <param name="RequestId">The request's id (the review API's resegmentation id).</param>
/// <param name="Sha256">The frame file's SHA-256 when the request was made: a file that changed since is refused.</param>
/// <param name="Model">The frame's model lineage; its live version runs.</param>
/// <param name="Diameter">Object diameter in pixels; 0 estimates it on this frame with the version's size model; null runs
/// the worker's own setting (SegmentWorker:Diameter).</param>
/// <param name="FlowThreshold">Cellpose's flow-error threshold; null runs the worker's setting.</param>
/// <param name="CellprobThreshold">Cellpose's cell-probability threshold; null runs the worker's setting.</param>
public sealed record ResegmentFrame(
    Guid RequestId,
    Guid FrameId,
    string Sha256,
    string Model,
    double? Diameter,
    double? FlowThreshold,
    double? CellprobThreshold,
    string RequestedBy,
    DateTimeOffset RequestedAt);

/// <summary>A <see cref="ResegmentFrame"/> request is done: the proposed masks are at <paramref name="MasksPath"/>.</summary>
/// <param name="Diameter">The diameter it ran at, in pixels.</param>
/// <param name="DiameterSource">given, size_model (estimated on this frame), reused (the acquisition's estimate) or diam_labels.</param>
public sealed record FrameResegmented(
    Guid RequestId,
    Guid FrameId,
    string Model,
    int ModelVersion,
    int ObjectCount,
    string MasksPath,
    double Diameter,
    string DiameterSource,
    double FlowThreshold,
    double CellprobThreshold,
    double Seconds,
    DateTimeOffset ResegmentedAt);

/// <summary>A <see cref="ResegmentFrame"/> request could not be done (the reason names the input and the fix).</summary>
public sealed record FrameResegmentFailed(
    Guid RequestId,
    Guid FrameId,
    string Reason,
    DateTimeOffset FailedAt);
