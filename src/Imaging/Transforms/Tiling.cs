namespace AcqSeg.Imaging.Transforms;

/// <summary>Cellpose's make_tiles: tile positions along one axis.</summary>
public static class Tiling
{
    public const int TileSize = 224;
    public const double DefaultOverlap = 0.1;

    /// <summary>Tile size along an axis: images smaller than a tile run as one tile of their own size.</summary>
    public static int TileLength(int length, int tileSize = TileSize) => Math.Min(tileSize, length);

    /// <summary>
    /// Starts without augmentation: overlap clipped to [0.05, 0.5]; n = 1 if L &lt;= tile else
    /// ceil((1 + 2 overlap) L / tile); starts = linspace(0, L - tile, n) truncated to int.
    /// </summary>
    public static int[] Starts(int length, double overlap = DefaultOverlap, int tileSize = TileSize)
    {
        overlap = Math.Min(0.5, Math.Max(0.05, overlap));
        int n = length <= tileSize ? 1 : (int)Math.Ceiling((1.0 + 2 * overlap) * length / tileSize);
        return Linspace(length - TileLength(length, tileSize), n);
    }

    /// <summary>
    /// Starts with test-time augmentation (length already padded to at least a tile): 50 % overlap,
    /// n = max(2, ceil(2 L / tile)).
    /// </summary>
    public static int[] AugmentedStarts(int length, int tileSize = TileSize)
    {
        if (length < tileSize) throw new ArgumentOutOfRangeException(nameof(length), length, $"augmented tiling needs at least {tileSize} pixels; pad first");
        int n = Math.Max(2, (int)Math.Ceiling(2.0 * length / tileSize));
        return Linspace(length - tileSize, n);
    }

    /// <summary>numpy.linspace(0, stop, n).astype(int): i * (stop / (n - 1)), the last exactly stop.</summary>
    private static int[] Linspace(int stop, int n)
    {
        var starts = new int[n];
        if (n == 1) return starts;
        double step = (double)stop / (n - 1);
        for (int i = 0; i < n; i++) starts[i] = (int)(i * step);
        starts[n - 1] = stop;
        return starts;
    }
}

/// <summary>Cellpose's _taper_mask: a sigmoid fall-off 20 pixels inside the tile edge, outer product over y and x.</summary>
public static class TaperMask
{
    public const double Sigma = 7.5;

    /// <returns>Row-major [ly, lx] weights, computed in float64 like numpy.</returns>
    public static double[] Create(int ly, int lx)
    {
        int bsize = Math.Max(Tiling.TileSize, Math.Max(ly, lx));
        var profile = new double[bsize];
        double centre = (bsize - 1) / 2.0;
        for (int i = 0; i < bsize; i++)
            profile[i] = 1.0 / (1.0 + Math.Exp((Math.Abs(i - centre) - (bsize / 2.0 - 20)) / Sigma));
        int y0 = bsize / 2 - ly / 2, x0 = bsize / 2 - lx / 2;
        var mask = new double[ly * lx];
        for (int y = 0; y < ly; y++)
            for (int x = 0; x < lx; x++)
                mask[y * lx + x] = profile[x0 + x] * profile[y0 + y];
        return mask;
    }
}

/// <summary>
/// Cellpose's average_tiles: sum of tile * taper over the covered pixels divided by the sum of the taper. The output
/// accumulates in float32 with each product in float64, as numpy does with its float64 tile buffer.
/// </summary>
public sealed class TileBlender
{
    private readonly float[] sum;
    private readonly double[] weight;
    private readonly double[] mask;
    private bool finished;

    public TileBlender(int channels, int height, int width, int tileHeight, int tileWidth)
    {
        Channels = channels;
        Height = height;
        Width = width;
        TileHeight = tileHeight;
        TileWidth = tileWidth;
        sum = new float[(long)channels * height * width];
        weight = new double[height * width];
        mask = TaperMask.Create(tileHeight, tileWidth);
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int TileHeight { get; }
    public int TileWidth { get; }

    /// <summary>Adds one tile (planar [Channels, TileHeight, TileWidth]) whose top-left corner is (y0, x0).</summary>
    public void Add(ReadOnlySpan<float> tile, int y0, int x0)
    {
        if (finished) throw new InvalidOperationException("TileBlender.Add after Result(): the sums were already divided in place");
        int tileArea = TileHeight * TileWidth, plane = Height * Width;
        for (int c = 0; c < Channels; c++)
        {
            for (int y = 0; y < TileHeight; y++)
            {
                int t = c * tileArea + y * TileWidth, o = c * plane + (y0 + y) * Width + x0, m = y * TileWidth;
                for (int x = 0; x < TileWidth; x++)
                    sum[o + x] = (float)(sum[o + x] + tile[t + x] * mask[m + x]);
            }
        }
        for (int y = 0; y < TileHeight; y++)
        {
            int o = (y0 + y) * Width + x0, m = y * TileWidth;
            for (int x = 0; x < TileWidth; x++) weight[o + x] += mask[m + x];
        }
    }

    /// <summary>The weighted average, planar [Channels, Height, Width]; computed in place (no second frame-sized buffer), so it
    /// may be called once, after the last Add.</summary>
    public float[] Result()
    {
        if (finished) throw new InvalidOperationException("TileBlender.Result() called twice: the sums were already divided in place");
        finished = true;
        int plane = Height * Width;
        for (int c = 0; c < Channels; c++)
            for (int i = 0; i < plane; i++)
                sum[c * plane + i] = (float)(sum[c * plane + i] / weight[i]);
        return sum;
    }
}
