using AcqSeg.Plots;
using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Plots;

/// <summary>
/// The chart for people: what a text changes in the image shows where that text is drawn, so each test renders the
/// chart twice, with one text changed, and checks that the difference lies in its band and is drawn dark.
/// </summary>
public class LineChartTests
{
    private const int W = 800, H = 500;

    private static LineChart Chart(string title = "Test AP against ROIs", string x = "Cumulative manual ROIs (count)",
        string y = "Test AP@0.5 (IoU 0.5)", string series = "acqseg hitl", string line = "reference phase: 0.739") => new()
    {
        Title = title,
        XLabel = x,
        YLabel = y,
        Width = W,
        Height = H,
        Series = [new ChartSeries(series, [(0, 0.1), (30, 0.6), (45, 0.7)], ChartColor.Blue, Markers: true)],
        References = [new ReferenceLine(line, 0.739, ChartColor.Red)],
    };

    private static ChartImage Render(TempFolder tmp, LineChart chart, string name)
    {
        string path = tmp.File(name + ".png");
        chart.WritePng(path);
        return ChartImage.Load(path);
    }

    [Fact]
    public void WritePng_IsAPngOfTheRequestedSize()
    {
        using var tmp = new TempFolder();
        var png = Render(tmp, Chart(), "chart");
        Assert.Equal((W, H), (png.Width, png.Height));
    }

    /// <summary>The default chart, and the box of the pixels that change when one of its texts is changed.</summary>
    private static (ChartImage Chart, (int X0, int Y0, int X1, int Y1) Box) Changed(TempFolder tmp, LineChart changed, string name)
    {
        var chart = Render(tmp, Chart(), "default");
        return (chart, Assert.NotNull(chart.Differences(Render(tmp, changed, name))));
    }

    private static void AssertDarkText(ChartImage chart, (int X0, int Y0, int X1, int Y1) box, int minRows, string what) =>
        Assert.True(chart.DarkRows(box.X0, box.Y0, box.X1, box.Y1) >= minRows, $"{what} {box} holds dark (text) pixels in {minRows} rows or more");

    [Fact]
    public void Title_IsDrawnInTheTopBand_InDarkText()
    {
        using var tmp = new TempFolder();
        var (chart, box) = Changed(tmp, Chart(title: "Something else entirely"), "title");
        Assert.InRange(box.Y1, 1, H / 10);
        AssertDarkText(chart, box, 8, "the title");
    }

    [Fact]
    public void XLabel_IsDrawnBelowTheAxes_InDarkText_AndYLabelAlongTheLeftEdge()
    {
        using var tmp = new TempFolder();
        var (chart, x) = Changed(tmp, Chart(x: "Epoch (count of passes)"), "x");
        Assert.InRange(x.Y0, H * 3 / 4, H);
        Assert.True(x.X0 > W / 5 && x.X1 < W * 4 / 5, $"the x label is centred under the axes ({x})");
        AssertDarkText(chart, x, 8, "the x label");

        var (_, y) = Changed(tmp, Chart(y: "Loss (log scale)"), "y");
        Assert.InRange(y.X1, 1, W / 20);
        AssertDarkText(chart, y, 20, "the y label, rotated along the left edge,");
    }

    [Fact]
    public void Legend_NamesTheSeriesAndLines_BelowTheXLabel_OffTheData()
    {
        using var tmp = new TempFolder();
        var (chart, xLabel) = Changed(tmp, Chart(x: "Epoch (count of passes)"), "x");
        var (_, series) = Changed(tmp, Chart(series: "through the service (acqseg run)"), "series");
        var (_, line) = Changed(tmp, Chart(line: "goal (reference - 0.03): 0.709"), "line");
        foreach (var box in new[] { series, line })
        {
            Assert.True(box.Y0 >= xLabel.Y1, $"legend entry {box} lies below the x label {xLabel}");
            AssertDarkText(chart, box, 8, "the legend's name");
        }
        // Its symbols carry the series' and the line's colours.
        int legendTop = Math.Min(series.Y0, line.Y0);
        Assert.True(chart.CountColour(0, legendTop, W, H, (31, 119, 180)) > 20, "the series' blue in the legend");
        Assert.True(chart.CountColour(0, legendTop, W, H, (214, 39, 40)) > 10, "the reference line's red in the legend");
    }

    [Fact]
    public void LogY_WithZeroNegativeAndNaNValues_LeavesThemOut_AndDrawsTheRest()
    {
        using var tmp = new TempFolder();
        var chart = new LineChart
        {
            Title = "Training loss: test",
            XLabel = "Epoch",
            YLabel = "Loss (log scale)",
            LogY = true,
            Width = W,
            Height = H,
            Series =
            [
                new ChartSeries("train loss", [(0, 1.2), (1, 0), (2, -0.5), (3, double.NaN), (4, 0.3)], ChartColor.Blue),
                new ChartSeries("test loss", [(0, 0), (4, -1)], ChartColor.Orange, Markers: true),
            ],
            References = [new ReferenceLine("zero", 0, ChartColor.Grey)],
        };
        var png = Render(tmp, chart, "log");
        Assert.True(png.CountColour(0, 0, W, H, (31, 119, 180)) > 100, "the positive train losses are drawn");
    }

    [Fact]
    public void NoDrawablePoints_StillWritesTheTitledChart()
    {
        using var tmp = new TempFolder();
        var png = Render(tmp, new LineChart { Title = "Training loss: empty", XLabel = "Epoch", YLabel = "Loss (log scale)", LogY = true, Width = W, Height = H,
            Series = [new ChartSeries("train loss", [(0, 0)], ChartColor.Blue)] }, "empty");
        Assert.True(png.DarkRows(W / 4, 0, W * 3 / 4, H / 10) >= 8, "the title is drawn");
    }

    [Fact]
    public void LogTicks_AreRoundValues_EvenOverLessThanOneStepOfTheMultiples()
    {
        Assert.Equal(["0.2", "0.5", "1"], Labels(LineChart.LogTicks(Math.Log10(0.15), Math.Log10(1.3))).Where(l => l is "0.2" or "0.5" or "1"));
        var narrow = Labels(LineChart.LogTicks(Math.Log10(0.31), Math.Log10(0.39)));
        Assert.True(narrow.Count >= 3, string.Join(", ", narrow));
        Assert.All(narrow, l => Assert.Matches(@"^0\.3[0-9]?$", l));
    }

    private static List<string> Labels(List<ScottPlot.Tick> ticks) =>
        ticks.Where(t => t.IsMajor).Select(t => t.Label).ToList();
}
