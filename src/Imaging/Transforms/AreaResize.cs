namespace AcqSeg.Imaging.Transforms;

/// <summary>
/// Shrinking by area averaging (a box filter, as OpenCV's INTER_AREA): each output pixel is the mean of the source
/// pixels its footprint covers, partly covered pixels weighted by the covered fraction. Unlike sampling one source pixel
/// per output pixel, detail finer than the output grid averages out instead of aliasing.
/// </summary>
public static class AreaResize
{
    /// <summary>Shrinks one plane (row-major, height x width) to newHeight x newWidth; both must not grow.</summary>
    public static float[] Shrink(ReadOnlySpan<float> plane, int height, int width, int newHeight, int newWidth)
    {
        if (plane.Length != height * width)
            throw new ArgumentException($"{plane.Length} values do not make {height}x{width}", nameof(plane));
        if (newHeight < 1 || newWidth < 1 || newHeight > height || newWidth > width)
            throw new ArgumentOutOfRangeException(nameof(newHeight), $"target {newHeight}x{newWidth} must be 1x1 to {height}x{width}");
        var xs = Footprints(width, newWidth);
        var ys = Footprints(height, newHeight);
        var rows = new float[newWidth];
        var result = new float[newHeight * newWidth];
        for (int oy = 0; oy < newHeight; oy++)
        {
            Array.Clear(rows);
            foreach (var (sy, wy) in ys[oy])
            {
                var row = plane.Slice(sy * width, width);
                for (int ox = 0; ox < newWidth; ox++)
                {
                    double sum = 0;
                    foreach (var (sx, wx) in xs[ox]) sum += row[sx] * wx;
                    rows[ox] += (float)(sum * wy);
                }
            }
            rows.CopyTo(result, oy * newWidth);
        }
        return result;
    }

    /// <summary>For each output index, the source indices it covers and their weights (summing to 1).</summary>
    private static List<(int Source, double Weight)>[] Footprints(int length, int newLength)
    {
        double step = (double)length / newLength;
        var result = new List<(int, double)>[newLength];
        for (int o = 0; o < newLength; o++)
        {
            double start = o * step, end = (o + 1) * step;
            var list = new List<(int, double)>();
            for (int s = (int)Math.Floor(start); s < Math.Min(length, (int)Math.Ceiling(end)); s++)
            {
                double covered = Math.Min(end, s + 1) - Math.Max(start, s);
                if (covered > 1e-12) list.Add((s, covered / step));
            }
            result[o] = list;
        }
        return result;
    }
}
