using AcqSeg.Engine.Sizing;

namespace AcqSeg.Engine.Tests.Sizing;

/// <summary>The estimate-once rule (issue 23): what a series holds, when a frame keeps it and when it is estimated again.</summary>
public sealed class DiameterReuseTests
{
    private static readonly float[] Style = [1f, 0f, 0f, 0f];

    /// <summary>A unit style at <paramref name="distance"/> (1 - cosine) from <see cref="Style"/>.</summary>
    private static float[] StyleAt(double distance)
    {
        double cos = 1 - distance;
        return [(float)cos, (float)Math.Sqrt(1 - cos * cos), 0f, 0f];
    }

    [Fact]
    public void HeldSeries_ASimilarFrame_KeepsTheEstimate()
    {
        var reuse = new DiameterReuse();
        reuse.Hold("acq", new HeldDiameter(20, Style, 19));
        var held = reuse.Get("acq");
        Assert.NotNull(held);
        Assert.Null(reuse.Drift(held, StyleAt(0.02), 21));
    }

    [Fact]
    public void StyleFurtherThanTheLimit_IsStyleDrift_NamingTheDistance()
    {
        var reuse = new DiameterReuse(new DiameterReuseOptions { MaxStyleDistance = 0.1 });
        var held = new HeldDiameter(20, Style, 19);
        Assert.Null(reuse.Drift(held, StyleAt(0.09), 19));
        var drift = reuse.Drift(held, StyleAt(0.2), 19);
        Assert.Equal(EstimateReasons.StyleDrift, drift?.Reason);
        Assert.Contains("0.200", drift?.Detail);
    }

    [Theory]
    [InlineData(19 * 1.3)]
    [InlineData(19 * 0.7)]
    public void MasksDepartingFromTheEstimatedFramesBeyondTheFraction_IsDiameterChange(double maskDiameter)
    {
        var reuse = new DiameterReuse(new DiameterReuseOptions { MaxDiameterChange = 0.25 });
        var drift = reuse.Drift(new HeldDiameter(20, Style, 19), Style, maskDiameter);
        Assert.Equal(EstimateReasons.DiameterChange, drift?.Reason);
    }

    [Fact]
    public void DiameterChange_IsMeasuredFromTheEstimatedFramesMasks_NotTheDiameterItself()
    {
        // Masks at 20 px measured 16 on the estimated frame (thresholds shrink them): a frame measuring 16 again is the same
        // kind of frame, though 20 % under the diameter; one measuring 21 is 31 % over the reference.
        var reuse = new DiameterReuse(new DiameterReuseOptions { MaxDiameterChange = 0.25 });
        var held = new HeldDiameter(20, Style, 16);
        Assert.Null(reuse.Drift(held, Style, 16));
        Assert.Equal(EstimateReasons.DiameterChange, reuse.Drift(held, Style, 21)?.Reason);
    }

    [Fact]
    public void FrameWithoutMasks_WhereTheEstimatedFrameHadSome_IsNoObjects()
    {
        var reuse = new DiameterReuse();
        Assert.Equal(EstimateReasons.NoObjects, reuse.Drift(new HeldDiameter(20, Style, 19), Style, 0)?.Reason);
    }

    [Fact]
    public void EstimatedFrameWithoutMasks_ComparesWithTheDiameter_AndAnotherEmptyFrameKeepsIt()
    {
        var reuse = new DiameterReuse();
        var held = new HeldDiameter(20, Style, 0);
        Assert.Null(reuse.Drift(held, Style, 0));
        Assert.Null(reuse.Drift(held, Style, 22));
        Assert.Equal(EstimateReasons.DiameterChange, reuse.Drift(held, Style, 40)?.Reason);
    }

    [Fact]
    public void Series_AreHeldApart()
    {
        var reuse = new DiameterReuse();
        reuse.Hold("acq-1", new HeldDiameter(20, Style, 19));
        reuse.Hold("acq-2", new HeldDiameter(45, Style, 44));
        Assert.Equal(20, reuse.Get("acq-1")!.Diameter);
        Assert.Equal(45, reuse.Get("acq-2")!.Diameter);
        Assert.Null(reuse.Get("acq-3"));
        reuse.Hold("acq-1", new HeldDiameter(30, Style, 29));
        Assert.Equal(30, reuse.Get("acq-1")!.Diameter);
        Assert.Equal(2, reuse.Count);
    }

    [Fact]
    public void FullCache_DropsTheLeastRecentlyUsedSeries()
    {
        var reuse = new DiameterReuse(new DiameterReuseOptions { MaxSeries = 2 });
        reuse.Hold("a", new HeldDiameter(10, Style, 10));
        reuse.Hold("b", new HeldDiameter(20, Style, 20));
        Assert.NotNull(reuse.Get("a")); // a is now the more recent
        reuse.Hold("c", new HeldDiameter(30, Style, 30));
        Assert.Equal(2, reuse.Count);
        Assert.Null(reuse.Get("b"));
        Assert.NotNull(reuse.Get("a"));
        Assert.NotNull(reuse.Get("c"));
    }

    [Theory]
    [InlineData(0.0, 0.25, 10, "MaxStyleDistance 0")]
    [InlineData(2.5, 0.25, 10, "MaxStyleDistance 2.5")]
    [InlineData(double.NaN, 0.25, 10, "MaxStyleDistance NaN")]
    [InlineData(0.1, 0.0, 10, "MaxDiameterChange 0")]
    [InlineData(0.1, -1.0, 10, "MaxDiameterChange -1")]
    [InlineData(0.1, 0.25, 0, "MaxSeries 0")]
    public void OutOfRangeOptions_AreRefused_NamingTheValue(double style, double change, int series, string named)
    {
        var ex = Assert.Throws<ArgumentException>(() => new DiameterReuse(new DiameterReuseOptions
        {
            MaxStyleDistance = style, MaxDiameterChange = change, MaxSeries = series,
        }));
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public void CosineDistance_OfStyles()
    {
        Assert.Equal(0, DiameterReuse.CosineDistance(Style, [3f, 0f, 0f, 0f]), 9);
        Assert.Equal(1, DiameterReuse.CosineDistance(Style, [0f, 1f, 0f, 0f]), 9);
        Assert.Equal(0.3, DiameterReuse.CosineDistance(Style, StyleAt(0.3)), 6);
        Assert.Equal(1, DiameterReuse.CosineDistance(Style, new float[4]));
    }
}
