using static TorchSharp.torch;

namespace AcqSeg.Engine.Network;

/// <summary>
/// Net2WiderNet (Chen, Goodfellow and Shlens 2016) for CPnet: a trained narrow network becomes a wider one that computes
/// the same outputs, so a CPU-trained model can seed a full-width one instead of starting from scratch. Every width-w
/// channel space is tiled r times (channel j of the wide map copies channel j mod w); a convolution's weights are
/// divided by r along its input channels so that the copies sum to the original input; the style vector, L2-normalised,
/// shrinks by sqrt(r) when tiled, so the style layers' weights are divided by sqrt(r) instead. Batch norms, biases and
/// running statistics are tiled. Copies of a channel get identical gradients and would stay identical: a little noise
/// on the widened weights breaks the symmetry.
/// </summary>
public static class NetworkWidening
{
    /// <param name="noise">Standard deviation of the symmetry-breaking noise, relative to each widened weight tensor's own
    /// standard deviation (0 = an exact copy of the narrow network's function).</param>
    public static CellposeNet Widen(CellposeNet narrow, IReadOnlyList<int> widths, double noise, int seed)
    {
        ArgumentNullException.ThrowIfNull(narrow);
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count != 5 || widths[0] != narrow.Widths[0])
            throw new ArgumentException($"widths [{string.Join(", ", widths)}] must keep the {narrow.Widths[0]} input channels and give 4 levels", nameof(widths));
        for (int k = 1; k < 5; k++)
        {
            if (widths[k] < narrow.Widths[k] || widths[k] % narrow.Widths[k] != 0)
                throw new ArgumentException(
                    $"widths [{string.Join(", ", widths)}]: level {k} ({widths[k]}) must be a multiple of the network's {narrow.Widths[k]} " +
                    $"(the network is [{string.Join(", ", narrow.Widths)}])", nameof(widths));
        }
        if (noise < 0 || double.IsNaN(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "noise must be >= 0");

        var wide = new CellposeNet(widths, narrow.DiamMean);
        var source = narrow.state_dict();
        var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (key, target) in wide.state_dict())
        {
            var from = source[key].to(target.device);
            if (from.dim() != target.dim())
                throw new InvalidOperationException($"{key}: {from.dim()} dimensions in the narrow network, {target.dim()} in the wide one");
            var repeats = new long[from.dim()];
            for (int d = 0; d < repeats.Length; d++) repeats[d] = target.shape[d] / from.shape[d];
            var tiled = repeats.Length == 0 ? from : from.repeat(repeats);
            if (target.is_floating_point() && repeats.Length >= 2 && repeats[1] > 1)
            {
                // Conv2d [out, in, k, k]: the r copies of an input channel share its weight. Linear [out, style]: the
                // tiled, renormalised style is sqrt(r) times smaller per entry and r times as long.
                tiled = repeats.Length == 4 ? tiled / repeats[1] : tiled / Math.Sqrt(repeats[1]);
            }
            if (noise > 0 && target.is_floating_point() && repeats.Length >= 2 && repeats.Any(r => r > 1))
                tiled = tiled + randn(tiled.shape, generator: generator).to(tiled.device) * (noise * tiled.std().item<float>());
            target.copy_(tiled);
        }
        return wide;
    }
}
