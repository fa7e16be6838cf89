using System.Globalization;

namespace AcqSeg.Segmentation.Outputs;

/// <summary>A line series of a <see cref="LinePlot"/>.</summary>
public sealed record PlotSeries(IReadOnlyList<(double X, double Y)> Points, byte R, byte G, byte B, bool Markers = false);

/// <summary>
/// A small line chart written as PNG without a font or imaging library: series, optional horizontal reference lines,
/// linear or log y; axis extremes printed in a 3x5 pixel font. For loss curves and human-in-the-loop plots.
/// </summary>
public static class LinePlot
{
    public static void Write(string path, IReadOnlyList<PlotSeries> series, IReadOnlyList<(double Y, byte R, byte G, byte B)>? references = null,
        bool logY = false, int width = 640, int height = 400)
    {
        var rgb = new byte[3 * width * height];
        Array.Fill(rgb, (byte)255);
        const int left = 60, right = 15, top = 15, bottom = 30;
        int pw = width - left - right, ph = height - top - bottom;
        references ??= [];
        Func<double, double> fy = logY ? Math.Log10 : v => v;
        var ys = series.SelectMany(s => s.Points.Select(p => p.Y)).Concat(references.Select(r => r.Y))
            .Where(v => double.IsFinite(v) && (!logY || v > 0)).Select(fy).ToList();
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).Where(double.IsFinite).ToList();
        if (ys.Count == 0 || xs.Count == 0)
        {
            PngEncoder.WriteRgb(path, rgb, width, height);
            return;
        }
        double lo = ys.Min(), hi = ys.Max();
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
        double x0 = xs.Min(), x1 = Math.Max(xs.Max(), x0 + 1);
        int X(double x) => left + (int)Math.Round((x - x0) / (x1 - x0) * (pw - 1));
        int Y(double y) => top + (int)Math.Round((hi - fy(y)) / (hi - lo) * (ph - 1));

        for (int x = left; x < left + pw; x++) Set(rgb, width, x, top + ph, 0, 0, 0);
        for (int y = top; y <= top + ph; y++) Set(rgb, width, left - 1, y, 0, 0, 0);
        foreach (var (ry, r, g, b) in references)
        {
            if (!double.IsFinite(ry) || (logY && ry <= 0)) continue;
            int yy = Y(ry);
            for (int x = left; x < left + pw; x += 6) for (int k = 0; k < 3; k++) Set(rgb, width, x + k, yy, r, g, b);
        }
        foreach (var s in series)
        {
            var pts = s.Points.Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0)).Select(p => (X(p.X), Y(p.Y))).ToList();
            Line(rgb, width, pts, s.R, s.G, s.B);
            if (s.Markers)
                foreach (var (px, py) in pts)
                    for (int dy = -2; dy <= 2; dy++) for (int dx = -2; dx <= 2; dx++) Set(rgb, width, px + dx, py + dy, s.R, s.G, s.B);
        }
        var inv = CultureInfo.InvariantCulture;
        double top0 = logY ? Math.Pow(10, hi) : hi, bottom0 = logY ? Math.Pow(10, lo) : lo;
        TinyFont.Draw(rgb, width, 2, top, top0.ToString("0.###", inv));
        TinyFont.Draw(rgb, width, 2, top + ph - 7, bottom0.ToString("0.###", inv));
        TinyFont.Draw(rgb, width, left, top + ph + 8, x0.ToString("0.##", inv));
        string last = x1.ToString("0.##", inv);
        TinyFont.Draw(rgb, width, left + pw - TinyFont.Width(last), top + ph + 8, last);
        PngEncoder.WriteRgb(path, rgb, width, height);
    }

    private static void Line(byte[] rgb, int width, List<(int X, int Y)> pts, byte r, byte g, byte b)
    {
        for (int i = 0; i < pts.Count; i++)
        {
            var (xa, ya) = pts[i];
            var (xb, yb) = i + 1 < pts.Count ? pts[i + 1] : pts[i];
            int steps = Math.Max(Math.Abs(xb - xa), Math.Abs(yb - ya)) + 1;
            for (int s = 0; s <= steps; s++)
            {
                int x = xa + (xb - xa) * s / steps, y = ya + (yb - ya) * s / steps;
                Set(rgb, width, x, y, r, g, b);
                Set(rgb, width, x, y + 1, r, g, b);
            }
        }
    }

    private static void Set(byte[] rgb, int width, int x, int y, byte r, byte g, byte b)
    {
        if (x < 0 || y < 0 || x >= width) return;
        int i = 3 * (y * width + x);
        if (i + 2 >= rgb.Length) return;
        rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b;
    }

    /// <summary>A 3x5 pixel font for numbers, drawn 2x: enough to label axes without a font library.</summary>
    private static class TinyFont
    {
        private static readonly Dictionary<char, string> Glyphs = new()
        {
            ['0'] = "111101101101111", ['1'] = "010110010010111", ['2'] = "111001111100111", ['3'] = "111001111001111",
            ['4'] = "101101111001001", ['5'] = "111100111001111", ['6'] = "111100111101111", ['7'] = "111001001001001",
            ['8'] = "111101111101111", ['9'] = "111101111001111", ['.'] = "000000000000010", ['-'] = "000000111000000",
            ['E'] = "111100111100111", ['e'] = "111100111100111", ['+'] = "000010111010000",
        };

        public static int Width(string s) => s.Length * 8;

        public static void Draw(byte[] rgb, int width, int x0, int y0, string text)
        {
            for (int k = 0; k < text.Length; k++)
            {
                if (!Glyphs.TryGetValue(text[k], out var g)) continue;
                for (int r = 0; r < 5; r++)
                    for (int c = 0; c < 3; c++)
                        if (g[r * 3 + c] == '1')
                            for (int dy = 0; dy < 2; dy++)
                                for (int dx = 0; dx < 2; dx++)
                                    Set(rgb, width, x0 + k * 8 + c * 2 + dx, y0 + r * 2 + dy, 0, 0, 0);
            }
        }
    }
}
