namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// Cellpose's get_masks: a histogram of where the pixels ended up (padded by 20 bins), seeds at 5x5 maxima holding
/// more than 10 pixels, each seed grown 5 times over its 3x3 neighbourhood through bins holding more than 2 pixels
/// (later seeds overwrite earlier ones), every pixel labelled by the region of its final bin, objects covering more
/// than 40 % of the image dropped, labels renumbered in order of first appearance.
/// </summary>
public static class ConvergenceClustering
{
    public const int HistogramPad = 20;
    public const int SeedMinCount = 10;
    public const int GrowMinCount = 2;
    public const int GrowIterations = 5;
    public const double MaxObjectFraction = 0.4;

    /// <summary>Labels (row-major) and the number of objects.</summary>
    public static (int[] Labels, int Count) GetMasks(TrackedPixels p, bool[]? isCell)
    {
        int h = p.Height, w = p.Width, size = h * w;
        int hh = h + 2 * HistogramPad, hw = w + 2 * HistogramPad;
        var bin = new int[size];
        var hist = new int[hh * hw];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                int by = y, bx = x;
                if (isCell is null || isCell[i])
                {
                    by = (int)p.Y[i];
                    bx = (int)p.X[i];
                }
                int b = (by + HistogramPad) * hw + bx + HistogramPad;
                bin[i] = b;
                hist[b]++;
            }
        }

        int[] hmax = MaxFilter5(hist, hh, hw);
        var seeds = new List<int>();
        for (int b = 0; b < hist.Length; b++)
        {
            if (hist[b] > SeedMinCount && hist[b] >= hmax[b]) seeds.Add(b);
        }

        var regions = new int[hist.Length];
        var stamp = new int[hist.Length];
        var frontier = new List<int>();
        var nextFrontier = new List<int>();
        for (int k = 0; k < seeds.Count; k++)
        {
            int id = k + 1;
            frontier.Clear();
            frontier.Add(seeds[k]);
            stamp[seeds[k]] = id;
            regions[seeds[k]] = id;
            for (int it = 0; it < GrowIterations && frontier.Count > 0; it++)
            {
                nextFrontier.Clear();
                foreach (int b in frontier)
                {
                    int by = b / hw, bx = b - by * hw;
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        int ny = by + dy;
                        if (ny < 0 || ny >= hh) continue;
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int nx = bx + dx;
                            if (nx < 0 || nx >= hw) continue;
                            int nb = ny * hw + nx;
                            if (stamp[nb] == id || hist[nb] <= GrowMinCount) continue;
                            stamp[nb] = id;
                            regions[nb] = id;
                            nextFrontier.Add(nb);
                        }
                    }
                }
                (frontier, nextFrontier) = (nextFrontier, frontier);
            }
        }

        var labels = new int[size];
        for (int i = 0; i < size; i++) labels[i] = regions[bin[i]];

        var counts = new int[seeds.Count + 1];
        foreach (int l in labels) counts[l]++;
        double big = (double)size * MaxObjectFraction;
        bool anyBig = false;
        for (int l = 1; l < counts.Length; l++) if (counts[l] > big) anyBig = true;
        if (anyBig)
        {
            for (int i = 0; i < size; i++) if (counts[labels[i]] > big) labels[i] = 0;
        }
        int count = LabelRenumbering.InPlace(labels);
        return (labels, count);
    }

    /// <summary>maximum_filter1d of size 5 along rows then columns; edges never matter (the pad bins are empty).</summary>
    private static int[] MaxFilter5(int[] hist, int hh, int hw)
    {
        var tmp = new int[hist.Length];
        for (int y = 0; y < hh; y++)
        {
            int y0 = Math.Max(0, y - 2), y1 = Math.Min(hh - 1, y + 2);
            for (int x = 0; x < hw; x++)
            {
                int m = 0;
                for (int yy = y0; yy <= y1; yy++) m = Math.Max(m, hist[yy * hw + x]);
                tmp[y * hw + x] = m;
            }
        }
        var res = new int[hist.Length];
        for (int y = 0; y < hh; y++)
        {
            int row = y * hw;
            for (int x = 0; x < hw; x++)
            {
                int x0 = Math.Max(0, x - 2), x1 = Math.Min(hw - 1, x + 2);
                int m = 0;
                for (int xx = x0; xx <= x1; xx++) m = Math.Max(m, tmp[row + xx]);
                res[row + x] = m;
            }
        }
        return res;
    }
}
