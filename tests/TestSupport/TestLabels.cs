using AcqSeg.Imaging.Io;

namespace AcqSeg.TestSupport;

/// <summary>Hand-built label images for tests with known overlaps.</summary>
public static class TestLabels
{
    /// <summary>A height x width label image holding the given squares (label, top, left, side), later ones on top.</summary>
    public static LabelImage Squares(int height, int width, params (int Label, int Top, int Left, int Size)[] squares)
    {
        var l = new int[height * width];
        foreach (var (label, top, left, size) in squares)
            for (int y = top; y < top + size; y++)
                for (int x = left; x < left + size; x++) l[y * width + x] = label;
        return new LabelImage(l, height, width);
    }
}
