using AcqSeg.Engine.Training;

namespace AcqSeg.Engine.Tests.Training;

public class IntensityGammaTests
{
    [Fact]
    public void Apply_KeepsThePercentileAnchorsAndTheDarkestValues_AndRaisesTheRestToThePower()
    {
        float[] x = [-0.2f, 0f, 0.1f, 0.25f, 0.5f, 1f, 1.5f];
        IntensityGamma.Apply(x, 2.0);
        Assert.Equal([-0.2f, 0f, 0.01f, 0.0625f, 0.25f, 1f, 2.25f], x.Select(v => MathF.Round(v, 6)));
    }

    [Fact]
    public void Apply_IsMonotone_SoNoObjectChangesPlaceWithItsBackground()
    {
        var x = Enumerable.Range(-10, 150).Select(i => i / 100f).ToArray();
        foreach (double g in new[] { 0.5, 0.8, 1.7 })
        {
            var y = (float[])x.Clone();
            IntensityGamma.Apply(y, g);
            for (int i = 1; i < y.Length; i++) Assert.True(y[i] >= y[i - 1], $"g {g}: {x[i - 1]} -> {y[i - 1]}, {x[i]} -> {y[i]}");
        }
    }

    [Fact]
    public void Apply_DrawsLogUniformlyWithinTheRange_BothSidesOfOne()
    {
        var rng = new Random(7);
        var gs = Enumerable.Range(0, 2000).Select(_ => IntensityGamma.Apply(new[] { 0.5f }, 2.0, rng)).ToList();
        Assert.All(gs, g => Assert.InRange(g, 0.5, 2.0));
        // log-uniform on [ln 0.5, ln 2]: half the draws below 1, a quarter below 1/sqrt 2.
        Assert.InRange(gs.Count(g => g < 1) / 2000.0, 0.45, 0.55);
        Assert.InRange(gs.Count(g => g < Math.Sqrt(0.5)) / 2000.0, 0.21, 0.29);
    }

    [Fact]
    public void Apply_AppliesTheDrawnExponentToTheImage()
    {
        float[] x = [0.25f, 0.5f];
        double g = IntensityGamma.Apply(x, 3.0, new Random(3));
        Assert.Equal(Math.Pow(0.25, g), x[0], 5);
        Assert.Equal(Math.Pow(0.5, g), x[1], 5);
    }

    [Fact]
    public void Apply_BelowOne_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IntensityGamma.Apply(new float[1], 0.9, new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => IntensityGamma.Apply(new float[1], 0.0));
    }
}
