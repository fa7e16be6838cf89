using SkiaSharp;

namespace AcqSeg.TestSupport;

/// <summary>A PNG chart read back for tests: its size, where text (dark pixels) and series colours are.</summary>
public sealed class ChartImage
{
    private readonly SKColor[] _pixels;

    private ChartImage(SKBitmap bitmap)
    {
        Width = bitmap.Width;
        Height = bitmap.Height;
        _pixels = bitmap.Pixels;
    }

    public int Width { get; }
    public int Height { get; }

    public static ChartImage Load(string path)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path} is not an image");
        return new ChartImage(bitmap);
    }

    /// <summary>Text and axes: every channel below 100 (black to dark grey; no series colour is that dark).</summary>
    public bool IsDark(int x, int y)
    {
        var c = _pixels[y * Width + x];
        return Math.Max(c.Red, Math.Max(c.Green, c.Blue)) < 100;
    }

    /// <summary>How many rows of the rectangle [x0, x1) x [y0, y1) hold a dark pixel.</summary>
    public int DarkRows(int x0, int y0, int x1, int y1) =>
        Enumerable.Range(y0, y1 - y0).Count(y => Enumerable.Range(x0, x1 - x0).Any(x => IsDark(x, y)));

    /// <summary>Pixels of the rectangle within <paramref name="tolerance"/> of a colour in every channel.</summary>
    public int CountColour(int x0, int y0, int x1, int y1, (byte R, byte G, byte B) colour, int tolerance = 12)
    {
        int n = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
            {
                var c = _pixels[y * Width + x];
                if (Math.Abs(c.Red - colour.R) <= tolerance && Math.Abs(c.Green - colour.G) <= tolerance && Math.Abs(c.Blue - colour.B) <= tolerance) n++;
            }
        return n;
    }

    /// <summary>The bounding box (x0, y0, x1, y1; ends exclusive) of the pixels that differ from a chart of the same size, or null.</summary>
    public (int X0, int Y0, int X1, int Y1)? Differences(ChartImage other)
    {
        if (other.Width != Width || other.Height != Height) throw new ArgumentException("the charts differ in size");
        int x0 = Width, y0 = Height, x1 = -1, y1 = -1;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
                if (_pixels[y * Width + x] != other._pixels[y * Width + x])
                    (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
        return x1 < 0 ? null : (x0, y0, x1 + 1, y1 + 1);
    }
}
