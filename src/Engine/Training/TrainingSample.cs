namespace AcqSeg.Engine.Training;

/// <summary>
/// One training image ready for augmentation: the network's input channels (already channel-selected and normalised),
/// the cell-probability target (labels > 0), the unit flows computed from its masks, its object count and the
/// Cellpose diameter of its masks (median sqrt(area) / (sqrt(pi) / 2)).
/// </summary>
public sealed record TrainingSample(string Name, float[] Image, int Channels, int Height, int Width,
    float[] CellProb, float[] FlowY, float[] FlowX, int Objects, double Diameter);
