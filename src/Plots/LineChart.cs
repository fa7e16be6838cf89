using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace AcqSeg.Plots;

/// <summary>An sRGB colour. The named ones are matplotlib's tab10, which the charts have always used.</summary>
public readonly record struct ChartColor(byte R, byte G, byte B)
{
    public static ChartColor Blue => new(31, 119, 180);
    public static ChartColor Orange => new(255, 127, 14);
    public static ChartColor Green => new(44, 160, 44);
    public static ChartColor Red => new(214, 39, 40);
    public static ChartColor Purple => new(148, 103, 189);
    public static ChartColor Grey => new(127, 127, 127);
}

/// <summary>A named line of a <see cref="LineChart"/>, drawn in the order of its points.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, ChartColor Color, bool Markers = false);

/// <summary>A named horizontal line across a <see cref="LineChart"/> (a baseline, a goal), drawn dashed.</summary>
public sealed record ReferenceLine(string Name, double Y, ChartColor Color);

/// <summary>
/// A line chart for people: title, labelled axes (say the unit in the label), a legend naming every series and
/// reference line, linear or log y. The legend sits below the axes so it never covers data.
/// </summary>
public sealed class LineChart
{
    /// <summary>The font asked for; when the system lacks it, the sans-serif font ScottPlot finds (its default here is a serif).</summary>
    public const string PreferredFont = "DejaVu Sans";

    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    /// <summary>Log10 y axis; points and lines at or below zero are left out (they have no place on it).</summary>
    public bool LogY { get; init; }
    public IReadOnlyList<ChartSeries> Series { get; init; } = [];
    public IReadOnlyList<ReferenceLine> References { get; init; } = [];
    public int Width { get; init; } = 900;
    public int Height { get; init; } = 600;

    private const float TitleSize = 20, WrappedTitleSize = 17, LabelSize = 16, TickSize = 13, LegendSize = 13;

    public void WritePng(string path)
    {
        if (Width < 200 || Height < 150) throw new ArgumentException($"a chart of {Width}x{Height} pixels is too small to read (at least 200x150)");
        if (new[] { Title, XLabel, YLabel }.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("a chart needs a title and both axis labels");
        if (Series.Select(s => s.Name).Concat(References.Select(r => r.Name)).Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("every series and reference line needs a name for the legend");
        using var plot = Build();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        plot.SavePng(path, Width, Height);
    }

    private Plot Build()
    {
        var plot = new Plot();
        string font = FontName();
        plot.Font.Set(font);

        Func<double, double> fy = LogY ? Math.Log10 : v => v;
        bool Shown(double y) => double.IsFinite(y) && (!LogY || y > 0);
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var s in Series)
        {
            var pts = s.Points.Where(p => double.IsFinite(p.X) && Shown(p.Y)).ToList();
            if (pts.Count == 0) continue;
            double[] px = pts.Select(p => p.X).ToArray(), py = pts.Select(p => fy(p.Y)).ToArray();
            xs.AddRange(px);
            ys.AddRange(py);
            var line = plot.Add.Scatter(px, py, ToColor(s.Color));
            line.LegendText = s.Name;
            line.LineWidth = 2;
            // A lone point has no line to show it.
            bool markers = s.Markers || pts.Count == 1;
            line.MarkerSize = markers ? 8 : 0;
            line.MarkerShape = markers ? MarkerShape.FilledCircle : MarkerShape.None;
        }
        foreach (var r in References.Where(r => Shown(r.Y)))
        {
            double y = fy(r.Y);
            ys.Add(y);
            var h = plot.Add.HorizontalLine(y, 2, ToColor(r.Color), LinePattern.Dashed);
            h.LegendText = r.Name;
        }

        var (title, titleSize) = FittedTitle(font);
        plot.Title(title, titleSize);
        plot.XLabel(XLabel, LabelSize);
        plot.YLabel(YLabel, LabelSize);
        plot.Axes.Bottom.TickLabelStyle.FontSize = TickSize;
        plot.Axes.Left.TickLabelStyle.FontSize = TickSize;
        if (xs.Count > 0 && xs.All(x => x == Math.Round(x))) plot.Axes.Bottom.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true };
        if (xs.Count > 0 && ys.Count > 0) SetLimits(plot, xs, ys);
        if (LogY && ys.Count > 0) plot.Axes.Left.TickGenerator = new NumericManual(LogTicks(plot.Axes.GetLimits().Bottom, plot.Axes.GetLimits().Top).ToArray());

        if (plot.GetPlottables().Any())
        {
            plot.Legend.FontSize = LegendSize;
            plot.Legend.FontName = font;
            plot.Legend.SymbolWidth = 36; // long enough to show a dash pattern
            plot.ShowLegend(Edge.Bottom);
            // One entry a row: the panel below the axes is sized for the legend laid out on its own, and a horizontal
            // legend wrapped into more rows than that was cut off at the bottom of the image.
            plot.Legend.Orientation = Orientation.Vertical;
        }
        else
        {
            // ScottPlot draws nothing at all for an empty legend below the axes; say why the axes are empty instead,
            // without ticks that would suggest a range.
            plot.Axes.Bottom.TickGenerator = new NumericManual();
            plot.Axes.Left.TickGenerator = new NumericManual();
            var note = plot.Add.Annotation("no data to plot", Alignment.MiddleCenter);
            note.LabelFontSize = LabelSize;
            note.LabelBackgroundColor = Colors.White;
            note.LabelShadowColor = Colors.Transparent;
        }
        return plot;
    }

    /// <summary>Data and reference lines all inside, with a margin; one point or a flat line gets a range around it.</summary>
    private void SetLimits(Plot plot, List<double> xs, List<double> ys)
    {
        double x0 = xs.Min(), x1 = xs.Max(), y0 = ys.Min(), y1 = ys.Max();
        if (x1 - x0 < 1e-12) { x0 -= 1; x1 += 1; }
        if (y1 - y0 < 1e-12) { double d = LogY ? 0.5 : Math.Max(Math.Abs(y0) * 0.1, 0.05); y0 -= d; y1 += d; }
        double mx = (x1 - x0) * 0.03, my = (y1 - y0) * 0.06;
        plot.Axes.SetLimits(x0 - mx, x1 + mx, y0 - my, y1 + my);
    }

    /// <summary>
    /// Ticks of a log10 axis, labelled with the values: every multiple of a power of ten over less than a decade, 1, 2, 3
    /// and 5 times them over up to one and a half, 1, 2 and 5 over up to three, the powers alone beyond; the other
    /// multiples as minor ticks.
    /// </summary>
    internal static List<Tick> LogTicks(double lo, double hi)
    {
        double span = hi - lo;
        int[] major = span < 0.7 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : span < 1.5 ? [1, 2, 3, 5] : span < 3 ? [1, 2, 5] : [1];
        var ticks = new List<Tick>();
        for (int k = (int)Math.Floor(lo); k <= (int)Math.Ceiling(hi); k++)
        {
            for (int m = 1; m <= 9; m++)
            {
                double v = m * Math.Pow(10, k), t = Math.Log10(v);
                if (t >= lo && t <= hi) ticks.Add(major.Contains(m) ? Tick.Major(t, Label(v)) : Tick.Minor(t));
            }
        }
        return ticks.Count(t => t.IsMajor) >= 4 ? ticks : EvenLogTicks(lo, hi);
    }

    /// <summary>A log axis with fewer than four such ticks (e.g. 0.31 to 0.39, or 0.85 to 2): evenly spaced round values, at their logarithms.</summary>
    private static List<Tick> EvenLogTicks(double lo, double hi)
    {
        double v0 = Math.Pow(10, lo), v1 = Math.Pow(10, hi);
        double rough = (v1 - v0) / 5, power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * power).First(s => s >= rough);
        var ticks = new List<Tick>();
        for (double v = Math.Ceiling(v0 / step) * step; v <= v1; v += step)
            ticks.Add(Tick.Major(Math.Log10(v), Label(Math.Round(v / step) * step)));
        return ticks;
    }

    private static string Label(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>
    /// The title at the largest size (down to a little above the axis labels') at which it fits the width on one line;
    /// a title too long for that is broken into lines between words.
    /// </summary>
    private (string Text, float Size) FittedTitle(string font)
    {
        using var typeface = SKTypeface.FromFamilyName(font);
        float room = Width - 40;
        for (float size = TitleSize; size >= WrappedTitleSize; size -= 1)
        {
            using var f = new SKFont(typeface, size);
            if (f.MeasureText(Title) <= room) return (Title, size);
        }
        using var wrapped = new SKFont(typeface, WrappedTitleSize);
        var lines = new List<string>();
        string line = "";
        foreach (string word in Title.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string longer = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && wrapped.MeasureText(longer) > room)
            {
                lines.Add(line);
                line = word;
            }
            else line = longer;
        }
        lines.Add(line);
        return (string.Join('\n', lines), WrappedTitleSize);
    }

    private static string FontName()
    {
        using var typeface = SKFontManager.Default.MatchFamily(PreferredFont);
        return typeface is null ? Fonts.Sans : PreferredFont;
    }

    private static Color ToColor(ChartColor c) => new(c.R, c.G, c.B);
}
