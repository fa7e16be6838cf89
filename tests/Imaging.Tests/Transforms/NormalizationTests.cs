using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Imaging.Tests.Transforms;

public class NormalizationTests
{
    [Fact]
    public void Percentile_OneToTen_InterpolatesLikeNumpy()
    {
        float[] values = [10, 3, 7, 1, 9, 2, 8, 4, 6, 5];
        // numpy.percentile(range(1, 11), [1, 50, 99]) = 1.09, 5.5, 9.91
        Assert.Equal(1.09, Percentiles.Linear(values, 1), 12);
        Assert.Equal(5.5, Percentiles.Linear(values, 50), 12);
        Assert.Equal(9.91, Percentiles.Linear(values, 99), 12);
    }

    [Fact]
    public void Percentile_RandomData_EqualsSortedInterpolation()
    {
        var rng = new Random(7);
        float[] values = Enumerable.Range(0, 10_007).Select(_ => (float)(rng.NextDouble() * 1000)).ToArray();
        // Many ties too, as in real images.
        for (int i = 0; i < values.Length; i += 3) values[i] = MathF.Round(values[i] / 100) * 100;
        float[] sorted = values.Order().ToArray();
        foreach (double q in new[] { 0.0, 1, 37.5, 99, 100 })
        {
            double vi = (sorted.Length - 1) * (q / 100);
            int lo = (int)Math.Floor(vi);
            int hi = Math.Min(lo + 1, sorted.Length - 1);
            double expected = sorted[lo] + (sorted[hi] - sorted[lo]) * (vi - lo);
            Assert.Equal(expected, Percentiles.Linear(values, q), 3);
        }
    }

    [Fact]
    public void Normalize99_Ramp_MapsFirstAndNinetyNinthPercentileToZeroAndOne()
    {
        float[] plane = Enumerable.Range(0, 101).Select(i => (float)i).ToArray();
        Normalization.Normalize99(plane, invert: false);
        // p1 = 1, p99 = 99: values outside are not clipped.
        Assert.Equal(-1f / 98, plane[0], 6);
        Assert.Equal(0f, plane[1], 6);
        Assert.Equal(1f, plane[99], 6);
        Assert.Equal(1f + 1f / 98, plane[100], 6);
    }

    [Fact]
    public void Normalize99_Invert_GivesOneMinusNormalised()
    {
        float[] plane = Enumerable.Range(0, 101).Select(i => (float)i).ToArray();
        Normalization.Normalize99(plane, invert: true);
        Assert.Equal(1f, plane[1], 6);
        Assert.Equal(0f, plane[99], 6);
    }

    [Fact]
    public void Normalize99_FlatPlane_BecomesZeros()
    {
        float[] plane = Enumerable.Repeat(5f, 200).ToArray();
        plane[0] = 1000f; // a single outlier does not move p1 or p99 apart
        Normalization.Normalize99(plane, invert: true);
        Assert.All(plane, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void NormalizePlanes_SecondPlaneZero_StaysZero()
    {
        float[] planes = new float[2 * 100];
        for (int i = 0; i < 100; i++) planes[i] = i;
        Normalization.NormalizePlanes(planes, 2, 100, invert: false);
        Assert.NotEqual(0f, planes[50]);
        Assert.All(planes[100..], v => Assert.Equal(0f, v));
    }
}
