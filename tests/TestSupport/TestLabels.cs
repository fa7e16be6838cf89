using AcqSeg.Imaging.Io;

namespace AcqSeg.TestSupport;

/// <summary>Hand-built label images for tests with known overlaps, and image means over labels.</summary>
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

    /// <summary>The mean of one channel over the labelled pixels (<paramref name="inside"/>) or the background.</summary>
    public static double MeanWhere(ImageData img, int channel, LabelImage m, bool inside)
    {
        ArgumentNullException.ThrowIfNull(img);
        ArgumentNullException.ThrowIfNull(m);
        var ch = img.Channel(channel);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < ch.Length; i++)
        {
            if ((m.Labels[i] != 0) != inside) continue;
            sum += ch[i];
            n++;
        }
        return sum / n;
    }
}
