namespace AcqSeg.Imaging.Transforms;

/// <summary>
/// cv2.resize(..., INTER_LINEAR) on float32 planes, as Cellpose's resize_image uses it: half-pixel centres
/// (src = (dst + 0.5) * in/out - 0.5, clamped at the borders), float32 weights and arithmetic, a plain copy when the
/// size is unchanged, and OpenCV's switch to area averaging for an exact 2x reduction in both axes.
/// </summary>
public static class BilinearResize
{
    /// <summary>Cellpose's target size for a rescale factor: int(L * rescale).</summary>
    public static int ScaledLength(int length, double rescale) => (int)(length * rescale);

    /// <summary>Resizes every plane of a planar [channels, H, W] array.</summary>
    public static float[] Resize(float[] planes, int channels, int height, int width, int newHeight, int newWidth)
    {
        ArgumentNullException.ThrowIfNull(planes);
        if ((long)channels * height * width != planes.Length)
            throw new ArgumentException($"{planes.Length} values do not make {channels}x{height}x{width}", nameof(planes));
        if (newHeight < 1 || newWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(newHeight), $"target size {newHeight}x{newWidth} is empty; the rescale factor (diameter) is out of range");
        if (newHeight == height && newWidth == width) return (float[])planes.Clone();

        var result = new float[(long)channels * newHeight * newWidth];
        bool halve = height == 2 * newHeight && width == 2 * newWidth;
        if (halve)
        {
            Parallel.For(0, channels, c => HalvePlane(planes.AsSpan(c * height * width, height * width), width,
                result.AsSpan(c * newHeight * newWidth, newHeight * newWidth), newHeight, newWidth));
            return result;
        }

        var xs = Axis.Create(width, newWidth);
        var ys = Axis.Create(height, newHeight);
        int srcPlane = height * width, dstPlane = newHeight * newWidth;
        Parallel.For(0, channels * newHeight, () => (new float[newWidth], new float[newWidth]), (job, _, rows) =>
        {
            int c = job / newHeight, dy = job % newHeight;
            var src = planes.AsSpan(c * srcPlane, srcPlane);
            HorizontalRow(src.Slice(ys.First[dy] * width, width), xs, rows.Item1);
            HorizontalRow(src.Slice(ys.Second[dy] * width, width), xs, rows.Item2);
            float b0 = ys.W0[dy], b1 = ys.W1[dy];
            var dst = result.AsSpan(c * dstPlane + dy * newWidth, newWidth);
            for (int x = 0; x < newWidth; x++) dst[x] = rows.Item1[x] * b0 + rows.Item2[x] * b1;
            return rows;
        }, _ => { });
        return result;
    }

    private static void HorizontalRow(ReadOnlySpan<float> src, Axis xs, float[] row)
    {
        for (int x = 0; x < row.Length; x++)
            row[x] = xs.Single[x] ? src[xs.First[x]] : src[xs.First[x]] * xs.W0[x] + src[xs.Second[x]] * xs.W1[x];
    }

    private static void HalvePlane(ReadOnlySpan<float> src, int width, Span<float> dst, int newHeight, int newWidth)
    {
        for (int y = 0; y < newHeight; y++)
        {
            int r0 = 2 * y * width, r1 = r0 + width;
            for (int x = 0; x < newWidth; x++)
            {
                int s = 2 * x;
                dst[y * newWidth + x] = (src[r0 + s] + src[r0 + s + 1] + src[r1 + s] + src[r1 + s + 1]) * 0.25f;
            }
        }
    }

    /// <summary>Source indices and weights along one axis (OpenCV's xofs/alpha tables).</summary>
    private sealed class Axis
    {
        public required int[] First { get; init; }
        public required int[] Second { get; init; }
        public required float[] W0 { get; init; }
        public required float[] W1 { get; init; }
        public required bool[] Single { get; init; }

        public static Axis Create(int source, int target)
        {
            double scale = 1.0 / ((double)target / source);
            var axis = new Axis
            {
                First = new int[target], Second = new int[target], W0 = new float[target], W1 = new float[target], Single = new bool[target],
            };
            for (int d = 0; d < target; d++)
            {
                float f = (float)((d + 0.5) * scale - 0.5);
                int s = (int)MathF.Floor(f);
                f -= s;
                if (s < 0)
                {
                    s = 0;
                    f = 0f;
                }
                bool single = false;
                if (s + 1 >= source)
                {
                    single = true;
                    if (s >= source - 1)
                    {
                        s = source - 1;
                        f = 0f;
                    }
                }
                axis.First[d] = s;
                axis.Second[d] = Math.Min(s + 1, source - 1);
                axis.W0[d] = 1f - f;
                axis.W1[d] = f;
                axis.Single[d] = single;
            }
            return axis;
        }
    }
}
