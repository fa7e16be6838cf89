namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// The network's answer for one image, in the order Cellpose hands to its dynamics: flows dY, dX and the
/// cell-probability logit (row-major float32, Height x Width), plus the style vector.
/// </summary>
public sealed record NetworkOutput(
    float[] DY,
    float[] DX,
    float[] CellProb,
    int Height,
    int Width,
    float[] Style,
    double Rescale,
    TimeSpan NormalizeTime,
    TimeSpan NetworkTime);
