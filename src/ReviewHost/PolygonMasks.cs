using AcqSeg.Imaging.Io;

namespace AcqSeg.ReviewHost;

/// <summary>Polygons JSON body: one polygon per object, points as [x, y] pixel coordinates.</summary>
public sealed record PolygonCorrection(int Height, int Width, IReadOnlyList<IReadOnlyList<double[]>> Polygons);

/// <summary>Rasterises polygons into a label image (object i = label i + 1; later polygons paint over earlier ones).</summary>
public static class PolygonMasks
{
    public static LabelImage Rasterize(PolygonCorrection body)
    {
        var labels = new int[body.Height * body.Width];
        for (int k = 0; k < body.Polygons.Count; k++)
        {
            var poly = body.Polygons[k] ?? throw new ArgumentException($"polygon {k} is null; give a list of [x, y] points");
            if (poly.Count < 3) throw new ArgumentException($"polygon {k} has {poly.Count} points; a polygon needs at least 3");
            foreach (var p in poly)
            {
                if (p is null || p.Length != 2 || !double.IsFinite(p[0]) || !double.IsFinite(p[1]))
                    throw new ArgumentException($"polygon {k}: every point is [x, y]");
            }
            Fill(poly, k + 1, labels, body.Height, body.Width);
        }
        return new LabelImage(labels, body.Height, body.Width);
    }

    /// <summary>Even-odd scanline fill at pixel centres.</summary>
    private static void Fill(IReadOnlyList<double[]> poly, int label, int[] labels, int height, int width)
    {
        var crossings = new List<double>();
        for (int y = 0; y < height; y++)
        {
            double cy = y + 0.5;
            crossings.Clear();
            for (int i = 0, j = poly.Count - 1; i < poly.Count; j = i++)
            {
                double y0 = poly[j][1], y1 = poly[i][1];
                if ((y0 <= cy) == (y1 <= cy)) continue;
                double x0 = poly[j][0], x1 = poly[i][0];
                crossings.Add(x0 + (cy - y0) / (y1 - y0) * (x1 - x0));
            }
            crossings.Sort();
            for (int c = 0; c + 1 < crossings.Count; c += 2)
            {
                int from = Math.Max(0, (int)Math.Ceiling(crossings[c] - 0.5));
                int to = Math.Min(width - 1, (int)Math.Floor(crossings[c + 1] - 0.5));
                for (int x = from; x <= to; x++) labels[y * width + x] = label;
            }
        }
    }
}
