using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Imaging.Outputs;

/// <summary>
/// A small picture of a frame for the review queue: <see cref="OutlineOverlay"/>'s gray (mean of channels, 1st-99th
/// percentile) and red outlines, shrunk by area averaging. The outline layer is averaged too and its coverage scaled by
/// the shrink factor, so a one-pixel outline stays about one thumbnail pixel wide and opaque instead of fading away or
/// breaking into dots, as nearest-pixel sampling makes it.
/// </summary>
public static class Thumbnail
{
    /// <summary>RGB bytes of the thumbnail, at most side x side, the frame's aspect kept; never larger than the frame.</summary>
    public static (byte[] Rgb, int Width, int Height) Render(ImageData image, LabelImage masks, int side)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        double scale = Math.Min(1.0, (double)side / Math.Max(image.Height, image.Width));
        int w = Math.Max(1, (int)Math.Round(image.Width * scale)), h = Math.Max(1, (int)Math.Round(image.Height * scale));
        var gray = AreaResize.Shrink(OutlineOverlay.StretchedGray(image), image.Height, image.Width, h, w);
        var outline = OutlineOverlay.Outlines(masks);
        var cover = new float[outline.Length];
        for (int i = 0; i < outline.Length; i++) cover[i] = outline[i] ? 1f : 0f;
        var alpha = AreaResize.Shrink(cover, image.Height, image.Width, h, w);
        float factor = (float)Math.Max((double)image.Width / w, (double)image.Height / h);
        var rgb = new byte[3 * w * h];
        for (int i = 0; i < w * h; i++)
        {
            float a = Math.Min(1f, alpha[i] * factor), g = gray[i] * (1 - a);
            rgb[3 * i] = (byte)Math.Clamp(MathF.Round(g + 255 * a), 0, 255);
            rgb[3 * i + 1] = (byte)Math.Clamp(MathF.Round(g), 0, 255);
            rgb[3 * i + 2] = rgb[3 * i + 1];
        }
        return (rgb, w, h);
    }

    public static byte[] Png(ImageData image, LabelImage masks, int side)
    {
        var (rgb, w, h) = Render(image, masks, side);
        return PngEncoder.EncodeRgb(rgb, w, h);
    }
}
