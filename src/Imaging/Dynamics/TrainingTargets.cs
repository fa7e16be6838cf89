using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// Training targets as Cellpose's labels_to_flows builds them: four float32 planes [labels renumbered 1..N in
/// order of first appearance, labels > 0.5, dY, dX].
/// </summary>
public sealed class TrainingTargets
{
    private TrainingTargets(float[] labels, float[] cellMask, FlowField flows)
    {
        Labels = labels;
        CellMask = cellMask;
        Flows = flows;
    }

    public float[] Labels { get; }
    public float[] CellMask { get; }
    public FlowField Flows { get; }
    public int Height => Flows.Height;
    public int Width => Flows.Width;

    /// <summary>The four planes in Cellpose's order.</summary>
    public IReadOnlyList<float[]> Planes => [Labels, CellMask, Flows.DY, Flows.DX];

    public static TrainingTargets FromMasks(LabelImage masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        var renumbered = (int[])masks.Labels.Clone();
        LabelRenumbering.InPlace(renumbered);
        var image = new LabelImage(renumbered, masks.Height, masks.Width);
        var flows = MaskFlows.FromMasks(image);
        var labels = new float[renumbered.Length];
        var cell = new float[renumbered.Length];
        for (int i = 0; i < renumbered.Length; i++)
        {
            labels[i] = renumbered[i];
            cell[i] = renumbered[i] > 0 ? 1f : 0f;
        }
        return new TrainingTargets(labels, cell, flows);
    }
}
