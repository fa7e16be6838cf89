using AcqSeg.Engine.Network;
using AcqSeg.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Tests.Network;

public class CellposeNetTests
{
    private static List<(string Name, long[] Shape)> ReferenceKeys()
    {
        var keys = new List<(string, long[])>();
        foreach (string line in File.ReadAllLines(SharedData.Reference("state_dict_keys.tsv")))
        {
            if (line.Length == 0) continue;
            string[] cols = line.Split('\t');
            long[] shape = cols[1].Trim('(', ')').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(long.Parse).ToArray();
            keys.Add((cols[0], shape));
        }
        return keys;
    }

    [SkippableFact]
    public void StateDict_DefaultWidths_HasCellposeKeysAndShapes()
    {
        var reference = ReferenceKeys();
        using var net = new CellposeNet();
        var sd = net.state_dict();

        Assert.Equal(313, reference.Count);
        Assert.Equal(reference.Select(k => k.Name).Order(StringComparer.Ordinal), sd.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in reference)
            Assert.True(shape.SequenceEqual(sd[name].shape), $"{name}: expected [{string.Join(",", shape)}], got [{string.Join(",", sd[name].shape)}]");
    }

    [SkippableFact]
    public void StateDict_Order_MatchesCellposeWithinParametersAndWithinBuffers()
    {
        var reference = ReferenceKeys().Select(k => k.Name).ToList();
        using var net = new CellposeNet();
        var parameterNames = net.named_parameters().Select(p => p.name).ToList();
        var bufferNames = net.named_buffers().Select(b => b.name).ToList();

        Assert.Equal(reference.Where(parameterNames.Contains), parameterNames);
        Assert.Equal(reference.Where(bufferNames.Contains), bufferNames);
    }

    [Fact]
    public void Forward_DefaultWidths_ReturnsThreeChannelsAndUnitStyle()
    {
        using var net = new CellposeNet();
        net.eval();
        using var _ = torch.no_grad();
        using var x = torch.rand(2, 2, 64, 48);
        var (y, style) = net.forward(x);
        using (y)
        using (style)
        {
            Assert.Equal([2L, 3, 64, 48], y.shape);
            Assert.Equal([2L, 256], style.shape);
            using var norms = style.pow(2).sum(1).sqrt();
            Assert.All(norms.data<float>().ToArray(), n => Assert.Equal(1.0f, n, 5));
        }
    }

    [Fact]
    public void Forward_NarrowWidths_BuildsAndRuns()
    {
        using var net = new CellposeNet([2, 16, 32, 64, 128]);
        net.eval();
        using var _ = torch.no_grad();
        using var x = torch.rand(1, 2, 32, 32);
        var (y, style) = net.forward(x);
        using (y)
        using (style)
        {
            Assert.Equal([1L, 3, 32, 32], y.shape);
            Assert.Equal([1L, 128], style.shape);
            Assert.Equal([16L, 2, 3, 3], net.state_dict()["downsample.down.res_down_0.conv.conv_0.2.weight"].shape);
        }
    }

    [Fact]
    public void Constructor_WrongNumberOfWidths_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CellposeNet([2, 32, 64]));
        Assert.Contains("nbase", ex.Message);
    }

    [Fact]
    public void DiamParameters_AreNotTrainable()
    {
        using var net = new CellposeNet(diamMean: 17);
        var diam = net.named_parameters().Where(p => p.name.StartsWith("diam_")).ToList();
        Assert.Equal(2, diam.Count);
        Assert.All(diam, p => Assert.False(p.parameter.requires_grad));
        Assert.Equal(17.0, net.DiamMean);
        Assert.Equal(17.0, net.DiamLabels);
    }
}
