using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Outputs;

/// <summary>One mask's outline polygon: pixel coordinates (x, y) in order around the mask; empty for masks too small to outline.</summary>
public sealed record MaskOutline(int Label, int[] X, int[] Y)
{
    public int Count => X.Length;
}

/// <summary>
/// Outlines as Cellpose v2.3.2 draws them with OpenCV: per mask, the outer border of each 8-connected piece traced as
/// cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_NONE) does (Suzuki-Abe border following from the piece's first pixel in
/// raster order, first step counter-clockwise on screen, i.e. down the left side). Pixels outside the image are
/// background, so masks touching the border are closed along it.
/// </summary>
public static class MaskContours
{
    // OpenCV's chain-code directions: 0 = +x, then counter-clockwise on screen (y grows downwards).
    private static readonly int[] Dx = [1, 1, 0, -1, -1, -1, 0, 1];
    private static readonly int[] Dy = [0, -1, -1, -1, 0, 1, 1, 1];

    /// <summary>
    /// utils.outlines_list: for every label present, in increasing order, the longest outer contour; a contour of 4
    /// points or fewer becomes empty, as Cellpose returns np.zeros((0, 2)) for it.
    /// </summary>
    public static IReadOnlyList<MaskOutline> Outlines(LabelImage masks)
    {
        var boxes = Boxes(masks);
        var result = new MaskOutline[boxes.Count];
        Parallel.For(0, boxes.Count, i =>
        {
            var (label, box) = boxes[i];
            var longest = Contours(masks, label, box).MaxBy(c => c.Count / 2) ?? [];
            int n = longest.Count / 2;
            result[i] = n > 4
                ? new MaskOutline(label, Enumerable.Range(0, n).Select(k => longest[2 * k]).ToArray(), Enumerable.Range(0, n).Select(k => longest[2 * k + 1]).ToArray())
                : new MaskOutline(label, [], []);
        });
        return result;
    }

    /// <summary>
    /// masks * utils.masks_to_outlines(masks): each mask's label on the pixels of all its outer contours, 0 elsewhere
    /// (the "outlines" array of a _seg.npy). Hole borders are not outlines.
    /// </summary>
    public static LabelImage OutlineLabels(LabelImage masks)
    {
        var outlines = new int[masks.Labels.Length];
        var boxes = Boxes(masks);
        Parallel.For(0, boxes.Count, i =>
        {
            var (label, box) = boxes[i];
            foreach (var c in Contours(masks, label, box))
            {
                // Masks own disjoint pixels, so parallel writes never meet.
                for (int k = 0; k < c.Count; k += 2) outlines[c[k + 1] * masks.Width + c[k]] = label;
            }
        });
        return new LabelImage(outlines, masks.Height, masks.Width);
    }

    private readonly record struct Box(int X0, int Y0, int X1, int Y1);

    private static List<(int Label, Box Box)> Boxes(LabelImage masks)
    {
        var boxes = new Dictionary<int, Box>();
        int w = masks.Width;
        for (int y = 0; y < masks.Height; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int v = masks.Labels[y * w + x];
                if (v <= 0) continue;
                boxes[v] = boxes.TryGetValue(v, out var b)
                    ? new Box(Math.Min(b.X0, x), Math.Min(b.Y0, y), Math.Max(b.X1, x), Math.Max(b.Y1, y))
                    : new Box(x, y, x, y);
            }
        }
        return boxes.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>
    /// The outer contour of every 8-connected piece of one label, as interleaved x, y. A piece lying inside a hole of
    /// another piece of the same label is traced too (OpenCV's RETR_EXTERNAL would skip it); a label split that way is
    /// rare enough not to carry hierarchy code for it.
    /// </summary>
    private static List<List<int>> Contours(LabelImage masks, int label, Box box)
    {
        int bw = box.X1 - box.X0 + 1, bh = box.Y1 - box.Y0 + 1, w = masks.Width;
        var lab = masks.Labels;
        bool On(int x, int y) => x >= box.X0 && x <= box.X1 && y >= box.Y0 && y <= box.Y1 && lab[y * w + x] == label;

        var seen = new bool[bw * bh];
        var contours = new List<List<int>>();
        var fill = new Stack<(int, int)>();
        for (int y = box.Y0; y <= box.Y1; y++)
        {
            for (int x = box.X0; x <= box.X1; x++)
            {
                if (!On(x, y) || seen[(y - box.Y0) * bw + x - box.X0]) continue;
                contours.Add(Trace(On, x, y));
                // Mark the whole piece so that its other pixels do not start contours.
                fill.Push((x, y));
                seen[(y - box.Y0) * bw + x - box.X0] = true;
                while (fill.Count > 0)
                {
                    var (px, py) = fill.Pop();
                    for (int d = 0; d < 8; d++)
                    {
                        int nx = px + Dx[d], ny = py + Dy[d];
                        if (!On(nx, ny) || seen[(ny - box.Y0) * bw + nx - box.X0]) continue;
                        seen[(ny - box.Y0) * bw + nx - box.X0] = true;
                        fill.Push((nx, ny));
                    }
                }
            }
        }
        return contours;
    }

    /// <summary>Suzuki-Abe outer border following from (x0, y0), the piece's first pixel in raster order.</summary>
    private static List<int> Trace(Func<int, int, bool> on, int x0, int y0)
    {
        var points = new List<int>();
        // Clockwise from the left neighbour (background, as x0 is the first pixel of its row in the piece).
        int s = 4;
        bool found = false;
        for (int k = 0; k < 8 && !found; k++)
        {
            s = (s + 7) & 7;
            found = on(x0 + Dx[s], y0 + Dy[s]);
        }
        if (!found)
        {
            points.AddRange([x0, y0]);
            return points;
        }
        int x1 = x0 + Dx[s], y1 = y0 + Dy[s];
        int x3 = x0, y3 = y0;
        while (true)
        {
            int x4, y4;
            // Counter-clockwise from the direction after the one pointing back to the previous pixel.
            do
            {
                s = (s + 1) & 7;
                x4 = x3 + Dx[s];
                y4 = y3 + Dy[s];
            }
            while (!on(x4, y4));
            points.AddRange([x3, y3]);
            if (x4 == x0 && y4 == y0 && x3 == x1 && y3 == y1) return points;
            x3 = x4;
            y3 = y4;
            s = (s + 4) & 7;
        }
    }
}
