using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using static AcqSeg.TestSupport.TestLabels;

namespace AcqSeg.Imaging.Tests.Synthesis;

public class SyntheticFramesTests
{
    [Fact]
    public void Generate_SameSeed_GivesIdenticalFrames_OtherSeedDiffers()
    {
        var s = new SynthSettings { Style = SynthStyle.Cyto, Seed = 11 };
        var a = SyntheticFrames.Generate(s);
        var b = SyntheticFrames.Generate(s);
        var c = SyntheticFrames.Generate(s with { Seed = 12 });
        Assert.Equal(a.Image.Data, b.Image.Data);
        Assert.Equal(a.Masks.Labels, b.Masks.Labels);
        Assert.NotEqual(a.Masks.Labels, c.Masks.Labels);
    }

    [Theory]
    [InlineData(SynthStyle.Nuclei, 1, true)]
    [InlineData(SynthStyle.Cyto, 2, true)]
    [InlineData(SynthStyle.Phase, 1, false)]
    [InlineData(SynthStyle.Brightfield, 3, false)]
    public void Generate_EachStyle_HasContiguousLabelsChannelsAndContrastOfItsKind(SynthStyle style, int channels, bool brightObjects)
    {
        var f = SyntheticFrames.Generate(new SynthSettings { Style = style, Height = 200, Width = 240, Seed = 5 });
        Assert.Equal(channels, f.Image.Channels);
        int n = f.Masks.CountObjects();
        Assert.True(n >= 10, $"{style}: only {n} objects");
        Assert.Equal(n, f.Masks.MaxLabel); // numbered 1..N without gaps
        double inside = MeanWhere(f.Image, 0, f.Masks, true), outside = MeanWhere(f.Image, 0, f.Masks, false);
        Assert.True(brightObjects ? inside > 1.5 * outside : inside < 0.8 * outside, $"{style}: inside {inside}, outside {outside}");
    }

    [Fact]
    public void Generate_Cyto_CellsTouchAlongSharedBorders_NucleiDoNot()
    {
        static int TouchingPairs(LabelImage m)
        {
            var pairs = new HashSet<(int, int)>();
            for (int y = 0; y < m.Height; y++)
                for (int x = 0; x + 1 < m.Width; x++)
                {
                    int a = m[y, x], b = m[y, x + 1];
                    if (a != 0 && b != 0 && a != b) pairs.Add((Math.Min(a, b), Math.Max(a, b)));
                }
            return pairs.Count;
        }
        var s = new SynthSettings { Height = 256, Width = 256, Density = 0.5, Seed = 2 };
        Assert.True(TouchingPairs(SyntheticFrames.Generate(s with { Style = SynthStyle.Cyto }).Masks) >= 5);
        Assert.Equal(0, TouchingPairs(SyntheticFrames.Generate(s with { Style = SynthStyle.Nuclei }).Masks));
    }

    [Fact]
    public void Generate_CytoWithoutNuclearChannel_HasOneChannel()
    {
        var f = SyntheticFrames.Generate(new SynthSettings { Style = SynthStyle.Cyto, NuclearChannel = false });
        Assert.Equal(1, f.Image.Channels);
    }

    [Theory]
    [InlineData(8, 255)]
    [InlineData(16, 65535)]
    public void Generate_IntegerBitDepth_StaysInRangeAndIntegral(int bits, float max)
    {
        var f = SyntheticFrames.Generate(new SynthSettings { BitDepth = bits, Noise = 0.5 });
        Assert.All(f.Image.Data, v => Assert.True(v >= 0 && v <= max && v == MathF.Round(v)));
        Assert.Equal(bits == 8 ? "uint8" : "uint16", f.Image.Metadata.SampleType);
    }

    [Fact]
    public void Generate_HigherDensityAndSmallerDiameter_GiveMoreObjects()
    {
        var s = new SynthSettings { Height = 256, Width = 256, Seed = 9 };
        int sparse = SyntheticFrames.Generate(s with { Density = 0.1 }).Masks.CountObjects();
        int dense = SyntheticFrames.Generate(s with { Density = 0.4 }).Masks.CountObjects();
        int small = SyntheticFrames.Generate(s with { Density = 0.4, Diameter = 15 }).Masks.CountObjects();
        Assert.True(dense > 2 * sparse, $"sparse {sparse}, dense {dense}");
        Assert.True(small > 2.5 * dense, $"dense {dense}, small {small}");
    }

    [Fact]
    public void Generate_ObjectSizes_FollowTheDiameterSetting()
    {
        var f = SyntheticFrames.Generate(new SynthSettings { Height = 512, Width = 512, Diameter = 24, Seed = 4 });
        var areas = f.Masks.Labels.Where(v => v != 0).GroupBy(v => v).Select(g => g.Count()).Order().ToArray();
        double median = 2 * Math.Sqrt(areas[areas.Length / 2] / Math.PI);
        Assert.InRange(median, 24 * 0.8, 24 * 1.2);
    }

    [Theory]
    [InlineData(2.0, 1.3, 2.3)]
    [InlineData(20.0, 6.0, 25.0)]
    public void Generate_BrightnessRange_SetsTheSpreadOfObjectBrightness(double range, double minRatio, double maxRatio)
    {
        var f = SyntheticFrames.Generate(new SynthSettings
        {
            Height = 384, Width = 384, Diameter = 30, Density = 0.3, Noise = 0, Blur = 0, BackgroundGradient = 0,
            BitDepth = 32, BrightnessRange = range, Seed = 3,
        });
        float[] img = f.Image.Channel(0).ToArray();
        // Object signal above the flat background (0.05), averaged over each object's pixels.
        var mean = f.Masks.Labels.Select((v, i) => (v, i)).Where(t => t.v != 0).GroupBy(t => t.v)
            .Select(g => g.Average(t => img[t.i] - 0.05)).ToArray();
        Assert.True(mean.Length >= 20, $"{mean.Length} objects");
        double ratio = mean.Max() / mean.Min();
        Assert.InRange(ratio, minRatio, maxRatio);
    }

    [Fact]
    public void Generate_Nucleoli_DimSpotsInsideNucleiOnly_MasksUnchanged()
    {
        var s = new SynthSettings { Height = 256, Width = 256, Diameter = 40, Noise = 0, Blur = 0, BitDepth = 32, Seed = 8 };
        var plain = SyntheticFrames.Generate(s);
        var spotted = SyntheticFrames.Generate(s with { Nucleoli = 3 });
        Assert.Equal(plain.Masks.Labels, spotted.Masks.Labels);
        float[] a = plain.Image.Channel(0).ToArray(), b = spotted.Image.Channel(0).ToArray();
        int dimmed = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (plain.Masks.Labels[i] == 0) Assert.Equal(a[i], b[i]); // the background is untouched
            else if (b[i] < 0.6f * a[i]) dimmed++;
        }
        Assert.InRange(dimmed, 20, a.Length / 20); // some dark spots, a small part of the frame
    }

    [Fact]
    public void Generate_BrightnessRangeOutOfBounds_IsRefusedWithItsName()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticFrames.Generate(new SynthSettings { BrightnessRange = 0.5 }));
        Assert.Equal(nameof(SynthSettings.BrightnessRange), ex.ParamName);
    }

    [Theory]
    [InlineData(8, 8, 30)]
    [InlineData(256, 256, 2)]
    [InlineData(256, 256, 200)]
    public void Generate_InvalidSettings_AreRefusedWithTheirName(int h, int w, double diameter)
    {
        var ex = Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            SyntheticFrames.Generate(new SynthSettings { Height = h, Width = w, Diameter = diameter }));
        Assert.False(string.IsNullOrEmpty(ex.ParamName));
    }
}
