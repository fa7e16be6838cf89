namespace AcqSeg.Imaging.Transforms;

/// <summary>A zero-padded planar image and where the original sits inside it.</summary>
public sealed record PaddedImage(float[] Data, int Channels, int Height, int Width, int Top, int Left, int OriginalHeight, int OriginalWidth);

/// <summary>
/// Cellpose's pad_image_ND (div 16, extra 1): each axis is padded to a multiple of 16 and then by 8 more on both
/// sides; the odd pixel of the rounding goes to the end.
/// </summary>
public static class ImagePadding
{
    public const int Divisor = 16;

    /// <summary>(before, after) zero padding for an axis of this length.</summary>
    public static (int Before, int After) Margins(int length)
    {
        int lpad = (int)(Divisor * Math.Ceiling(length / (double)Divisor) - length);
        int before = Divisor / 2 + lpad / 2;
        int after = Divisor / 2 + lpad - lpad / 2;
        return (before, after);
    }

    public static PaddedImage Pad(float[] planes, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(planes);
        var (top, bottom) = Margins(height);
        var (left, right) = Margins(width);
        int ph = height + top + bottom, pw = width + left + right;
        var data = new float[(long)channels * ph * pw];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                planes.AsSpan((c * height + y) * width, width).CopyTo(data.AsSpan((c * ph + y + top) * pw + left, width));
        return new PaddedImage(data, channels, ph, pw, top, left, height, width);
    }

    /// <summary>Cuts one channel's region out of a padded planar [channels, height, width] array.</summary>
    public static float[] CropPlane(float[] planes, int height, int width, int channel, int top, int left, int cropHeight, int cropWidth)
    {
        var result = new float[(long)cropHeight * cropWidth];
        CopyRegion(planes, height, width, channel, top, left, cropHeight, cropWidth, result);
        return result;
    }

    private static void CopyRegion(float[] planes, int height, int width, int channel, int top, int left, int cropHeight, int cropWidth, Span<float> target)
    {
        for (int y = 0; y < cropHeight; y++)
            planes.AsSpan((channel * height + y + top) * width + left, cropWidth).CopyTo(target.Slice(y * cropWidth, cropWidth));
    }

    /// <summary>Cuts the original region back out of a padded planar [channels, Height, Width] array.</summary>
    public static float[] Crop(float[] planes, int channels, int height, int width, int top, int left, int cropHeight, int cropWidth)
    {
        var result = new float[(long)channels * cropHeight * cropWidth];
        int plane = cropHeight * cropWidth;
        for (int c = 0; c < channels; c++)
            CopyRegion(planes, height, width, c, top, left, cropHeight, cropWidth, result.AsSpan(c * plane, plane));
        return result;
    }
}
