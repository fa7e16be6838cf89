namespace AcqSeg.Contracts;

/// <summary>A new version of a model lineage is available; workers switch to it for the next frame.</summary>
/// <param name="ParentVersion">Version it was fine-tuned from; null for a lineage's base model.</param>
/// <param name="ApBefore">AP@0.5 of the parent on the held-back corrected frames (null for a base model).</param>
public sealed record ModelPublished(
    string Model,
    int Version,
    string Path,
    string Sha256,
    int? ParentVersion,
    double? ApBefore,
    double? ApAfter,
    DateTimeOffset PublishedAt);

/// <summary>An acquisition now uses a model lineage for its next frames.</summary>
/// <param name="Source">Where the assignment came from: one of <see cref="AssignmentSources"/>.</param>
public sealed record ModelAssigned(
    string Acquisition,
    string Model,
    string Source,
    DateTimeOffset AssignedAt);

/// <summary>Command: use <paramref name="Model"/> for the acquisition's next frames.</summary>
public sealed record AssignModel(
    string Acquisition,
    string Model);

/// <summary>The values of <see cref="ModelAssigned.Source"/>.</summary>
public static class AssignmentSources
{
    /// <summary>An operator chose it (`acqseg assign`, the AssignModel command, a live-version change in the review UI).</summary>
    public const string Operator = "operator";

    /// <summary>A configured rule (ModelChoice:Rules) matched the acquisition.</summary>
    public const string Config = "config";

    /// <summary>The segment worker chose it from the acquisition's first frame (style, else ModelChoice:DefaultModel).</summary>
    public const string Suggestion = "suggestion";
}
