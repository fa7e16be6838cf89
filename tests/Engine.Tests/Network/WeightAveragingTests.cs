using AcqSeg.Engine.Network;
using AcqSeg.Engine.Tests.Inference;
using TorchSharp;

namespace AcqSeg.Engine.Tests.Network;

[Collection(NetworkRunCollection.Name)]
public class WeightAveragingTests
{
    private static readonly int[] Tiny = [2, 8, 16, 32, 64];

    private static CellposeNet Net(int seed, int[]? widths = null, double diamMean = 17)
    {
        var net = CellposeNet.Seeded(seed, widths ?? Tiny, diamMean);
        // Running statistics differ between the two as well, so they are averaged too.
        using (torch.no_grad())
            foreach (var (key, t) in net.state_dict())
                if (key.EndsWith("running_mean", StringComparison.Ordinal)) t.copy_(torch.randn(t.shape));
        return net;
    }

    private static Dictionary<string, float[]> Floats(CellposeNet net) =>
        net.state_dict().Where(kv => kv.Value.is_floating_point())
            .ToDictionary(kv => kv.Key, kv => kv.Value.to(torch.ScalarType.Float32).data<float>().ToArray());

    [Fact]
    public void Interpolate_IsTheWeightedMeanOfEveryFloatingTensor_StatisticsIncluded()
    {
        using var a = Net(1);
        using var b = Net(2);
        using var mixed = WeightAveraging.Interpolate(a, b, 0.25);
        var (fa, fb, fm) = (Floats(a), Floats(b), Floats(mixed));
        Assert.Equal(fa.Keys.Order(), fm.Keys.Order());
        Assert.All(fa.Keys.Where(k => k.EndsWith("running_mean", StringComparison.Ordinal) || k.EndsWith(".2.weight", StringComparison.Ordinal)),
            k => Assert.False(fa[k].SequenceEqual(fb[k]), $"{k}: the two test networks should differ"));
        foreach (var (key, values) in fm)
        {
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(values[i] - (0.75f * fa[key][i] + 0.25f * fb[key][i])) < 1e-5f, $"{key}[{i}]");
        }
    }

    [Fact]
    public void Interpolate_AtTheEnds_IsEachNetwork()
    {
        using var a = Net(1);
        using var b = Net(2);
        using var atA = WeightAveraging.Interpolate(a, b, 0);
        using var atB = WeightAveraging.Interpolate(a, b, 1);
        foreach (var (key, v) in Floats(atA)) Assert.True(v.SequenceEqual(Floats(a)[key]), key);
        foreach (var (key, v) in Floats(atB)) Assert.True(v.SequenceEqual(Floats(b)[key]), key);
        Assert.Equal(a.Widths, atB.Widths);
        Assert.Equal(17, atB.DiamMean, 6);
    }

    [Fact]
    public void Interpolate_DifferentWidthsOrDiamMeanOrAWeightOutside01_IsRefusedWithTheReason()
    {
        using var a = Net(1);
        using var wider = Net(2, [2, 16, 32, 64, 128]);
        using var otherSize = Net(3, diamMean: 30);
        Assert.Contains("widths differ", Assert.Throws<ArgumentException>(() => WeightAveraging.Interpolate(a, wider, 0.5)).Message);
        Assert.Contains("diam_mean differs", Assert.Throws<ArgumentException>(() => WeightAveraging.Interpolate(a, otherSize, 0.5)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightAveraging.Interpolate(a, a, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightAveraging.Interpolate(a, a, double.NaN));
    }
}
