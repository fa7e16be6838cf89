using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Outputs;

/// <summary>The frame in gray with each mask's outline drawn over it, as Cellpose's `--save_outlines` PNG.</summary>
public static class OutlineOverlay
{
    /// <summary>True where a labelled pixel has a 4-neighbour with another label (the image border counts as background).</summary>
    public static bool[] Outlines(LabelImage masks)
    {
        int h = masks.Height, w = masks.Width;
        var lab = masks.Labels;
        var outline = new bool[lab.Length];
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x, v = lab[i];
                if (v == 0) continue;
                outline[i] = x == 0 || y == 0 || x == w - 1 || y == h - 1
                    || lab[i - 1] != v || lab[i + 1] != v || lab[i - w] != v || lab[i + w] != v;
            }
        });
        return outline;
    }

    /// <summary>The mean over channels, stretched to its 1st-99th percentile as 0-255 (not clamped).</summary>
    public static float[] StretchedGray(ImageData image)
    {
        int n = image.PlaneSize;
        var gray = new float[n];
        for (int c = 0; c < image.Channels; c++)
        {
            var ch = image.Channel(c);
            for (int i = 0; i < n; i++) gray[i] += ch[i] / image.Channels;
        }
        var sorted = (float[])gray.Clone();
        Array.Sort(sorted);
        float lo = sorted[(int)(0.01 * (n - 1))], hi = sorted[(int)(0.99 * (n - 1))];
        float scale = hi > lo ? 255f / (hi - lo) : 0f;
        for (int i = 0; i < n; i++) gray[i] = Math.Clamp((gray[i] - lo) * scale, 0f, 255f);
        return gray;
    }

    /// <summary>Renders the mean over channels, stretched to its 1st-99th percentile, with outlines in red.</summary>
    public static byte[] Render(ImageData image, LabelImage masks)
    {
        if (image.Height != masks.Height || image.Width != masks.Width)
            throw new ArgumentException($"image {image.Width}x{image.Height} and masks {masks.Width}x{masks.Height} differ in size");
        int n = image.PlaneSize;
        var gray = StretchedGray(image);
        var outline = Outlines(masks);
        var rgb = new byte[3 * n];
        for (int i = 0; i < n; i++)
        {
            if (outline[i])
            {
                rgb[3 * i] = 255;
                continue;
            }
            byte g = (byte)gray[i];
            rgb[3 * i] = g;
            rgb[3 * i + 1] = g;
            rgb[3 * i + 2] = g;
        }
        return rgb;
    }

    public static void WritePng(string path, ImageData image, LabelImage masks) =>
        PngEncoder.WriteRgb(path, Render(image, masks), image.Width, image.Height);
}
