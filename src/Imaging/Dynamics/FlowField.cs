namespace AcqSeg.Imaging.Dynamics;

/// <summary>A 2-D vector field, row-major planes: DY (rows) and DX (columns).</summary>
public sealed class FlowField
{
    public FlowField(float[] dy, float[] dx, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"flow shape {height}x{width} must be positive");
        if (dy.Length != height * width || dx.Length != height * width)
            throw new ArgumentException($"flow planes have {dy.Length} and {dx.Length} values, shape {height}x{width} needs {height * width}");
        DY = dy;
        DX = dx;
        Height = height;
        Width = width;
    }

    public float[] DY { get; }
    public float[] DX { get; }
    public int Height { get; }
    public int Width { get; }
}
