using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Dynamics;

/// <summary>Masks rebuilt from flows, with what each quality step removed and where the time went.</summary>
public sealed record MaskResult
{
    public required LabelImage Masks { get; init; }

    /// <summary>Objects found by clustering, before the flow check and the size filter.</summary>
    public int MasksBeforeQc { get; init; }

    public int DroppedByFlowQc { get; init; }

    public int DroppedAsSmall { get; init; }

    /// <summary>Flow error of every clustered object (index = clustered label - 1); empty when the check is off.</summary>
    public IReadOnlyList<double> FlowErrors { get; init; } = [];

    /// <summary>Pixels that moved (|dY| above the motion threshold inside the cell mask).</summary>
    public int MovingPixels { get; init; }

    /// <summary>Seconds spent following the flows and clustering (Cellpose's follow_flows + get_masks).</summary>
    public double DynamicsSeconds { get; init; }

    /// <summary>Seconds spent in the flow check and hole filling / size filter.</summary>
    public double QcSeconds { get; init; }

    public int Count => Masks.CountObjects();
}
