using AcqSeg.Engine.Network;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Tests.Network;

public class NetworkWideningTests
{
    /// <summary>A small network with random weights and random batch-norm statistics, so every term of the widening counts.</summary>
    private static CellposeNet RandomNarrow()
    {
        var net = CellposeNet.Seeded(5, [2, 4, 8, 8, 16], diamMean: 17);
        using var _ = no_grad();
        foreach (var (key, t) in net.state_dict())
        {
            if (key.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(rand(t.shape) + 0.5);
            else if (key.EndsWith("running_mean", StringComparison.Ordinal) || key.EndsWith(".0.bias", StringComparison.Ordinal)) t.copy_(randn(t.shape) * 0.3);
            else if (key.EndsWith(".0.weight", StringComparison.Ordinal)) t.copy_(rand(t.shape) + 0.5);
        }
        net.eval();
        return net;
    }

    /// <summary>The narrow network and its widened copy on the same random input (eval mode).</summary>
    private static (CellposeNet Wide, Tensor NarrowOut, Tensor NarrowStyle, Tensor WideOut, Tensor WideStyle) Compare(
        CellposeNet narrow, int[] widths, double noise)
    {
        var wide = NetworkWidening.Widen(narrow, widths, noise, seed: 1);
        wide.eval();
        manual_seed(9);
        using var x = randn(2, 2, 32, 32);
        var (yn, sn) = narrow.forward(x);
        var (yw, sw) = wide.forward(x);
        return (wide, yn, sn, yw, sw);
    }

    [Fact]
    public void Widen_WithoutNoise_ComputesTheSameOutputs_AndTheStyleTiledAndRenormalised()
    {
        using var narrow = RandomNarrow();
        var (wide, yn, sn, yw, sw) = Compare(narrow, [2, 8, 16, 24, 32], noise: 0);
        using var _ = wide;

        Assert.Equal([2, 8, 16, 24, 32], wide.Widths);
        Assert.Equal(17, wide.DiamMean, 6);
        double scale = yn.abs().max().item<float>();
        Assert.True(scale > 0.1, $"outputs too small to compare ({scale})");
        Assert.True((yw - yn).abs().max().item<float>() < 1e-4 * scale, $"outputs differ by {(yw - yn).abs().max().item<float>()} (scale {scale})");
        Assert.Equal([2, 32], sw.shape);
        var expectedStyle = sn.repeat(1, 2) / Math.Sqrt(2);
        Assert.True((sw - expectedStyle).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Widen_WithNoise_StaysCloseToTheNarrowNetwork_ButTheCopiesOfAChannelDiffer()
    {
        using var narrow = RandomNarrow();
        var (wide, yn, _, yw, _) = Compare(narrow, [2, 8, 16, 16, 32], noise: 0.01);
        using var _ = wide;

        double scale = yn.abs().max().item<float>();
        double diff = (yw - yn).abs().max().item<float>();
        Assert.True(diff > 0, "noise 0.01 left the outputs bit-identical");
        Assert.True(diff < 0.1 * scale, $"outputs moved by {diff} (scale {scale})");
        // First conv of the first block: output channel 0 and its copy, channel 4.
        var w = wide.state_dict()["downsample.down.res_down_0.conv.conv_0.2.weight"];
        Assert.True((w[0] - w[4]).abs().max().item<float>() > 0, "the copies of a channel start identical, so training could never tell them apart");
        // Same seed, same widened weights.
        using var again = NetworkWidening.Widen(narrow, [2, 8, 16, 16, 32], noise: 0.01, seed: 1);
        Assert.Equal(0f, (again.state_dict()["downsample.down.res_down_0.conv.conv_0.2.weight"] - w).abs().max().item<float>());
    }

    [Theory]
    [InlineData(new[] { 2, 6, 16, 16, 32 }, "level 1 (6) must be a multiple of the network's 4")]
    [InlineData(new[] { 2, 8, 16, 16, 8 }, "level 4 (8) must be a multiple of the network's 16")]
    [InlineData(new[] { 3, 8, 16, 16, 32 }, "must keep the 2 input channels")]
    public void Widen_ToWidthsThatAreNotMultiples_IsRefusedNamingTheLevel(int[] widths, string message)
    {
        using var narrow = RandomNarrow();
        var ex = Assert.Throws<ArgumentException>(() => NetworkWidening.Widen(narrow, widths, 0, 1));
        Assert.Contains(message, ex.Message);
    }
}
