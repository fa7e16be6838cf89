using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Tests.Dynamics;

/// <summary>Small label images drawn by hand for the step-by-step tests.</summary>
public sealed class TestMasks(int height, int width)
{
    public int[] Labels { get; } = new int[height * width];
    public int Height { get; } = height;
    public int Width { get; } = width;

    public TestMasks Disc(int label, double cy, double cx, double radius)
    {
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                if ((y - cy) * (y - cy) + (x - cx) * (x - cx) <= radius * radius) Labels[y * Width + x] = label;
            }
        }
        return this;
    }

    /// <summary>Rows [y0, y1), columns [x0, x1).</summary>
    public TestMasks Rect(int label, int y0, int x0, int y1, int x1)
    {
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++) Labels[y * Width + x] = label;
        }
        return this;
    }

    public TestMasks Pixel(int label, int y, int x)
    {
        Labels[y * Width + x] = label;
        return this;
    }

    public LabelImage Image() => new((int[])Labels.Clone(), Height, Width);

    public int Count(int label) => Labels.Count(v => v == label);
}
