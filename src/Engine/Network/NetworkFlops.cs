namespace AcqSeg.Engine.Network;

/// <summary>
/// Floating-point operations of CPnet's convolutions (2 per multiply-add) for an input of a given size: the figure
/// behind the benchmark's GFLOP/s. For the standard nbase [2, 32, 64, 128, 256] and a 224x224 tile it is 31.0 GFLOP.
/// Normalisation, activations, pooling and the style layers are left out (they are under 1 %).
/// </summary>
public static class NetworkFlops
{
    public static readonly int[] StandardNbase = [2, 32, 64, 128, 256];

    public static double Count(int height, int width, IReadOnlyList<int>? nbase = null, int nout = 3)
    {
        nbase ??= StandardNbase;
        double total = 0;
        // Per block: a 1x1 projection, a 3x3 conv from the input width, three 3x3 at the block's width.
        foreach (var (_, _, hw, cin, cout) in Blocks(height, width, nbase))
            total += Conv(cin, cout, 1, hw) + Conv(cin, cout, 3, hw) + 3 * Conv(cout, cout, 3, hw);
        return total + Conv(nbase[1], nout, 1, (double)height * width);
    }

    /// <summary>
    /// CPnet's residual blocks in the order they run: the encoder's levels (level l at 1/2^l of the input's side, width
    /// nbase[l] -> nbase[l + 1]), then the decoder's from the deepest up (nbaseup = nbase[1:] + [nbase[-1]]; block l maps
    /// nbaseup[l + 1] -> nbaseup[l] at level l's size).
    /// </summary>
    private static IEnumerable<(bool Encoder, int Level, double Pixels, int In, int Out)> Blocks(int height, int width, IReadOnlyList<int> nbase)
    {
        int levels = nbase.Count - 1;
        for (int l = 0; l < levels; l++)
            yield return (true, l, (double)(height >> l) * (width >> l), nbase[l], nbase[l + 1]);
        var up = new int[levels + 1];
        for (int l = 0; l < levels; l++) up[l] = nbase[l + 1];
        up[levels] = nbase[levels];
        for (int l = levels - 1; l >= 0; l--)
            yield return (false, l, (double)(height >> l) * (width >> l), up[l + 1], up[l]);
    }

    /// <summary>FLOPs of one of Cellpose's 224x224 tiles (31.0 GFLOP for the standard widths).</summary>
    public static double PerCellposeTile(IReadOnlyList<int>? nbase = null) => Count(224, 224, nbase);

    /// <summary>
    /// Bytes the fast path's kernels (<see cref="FastCellposeNet"/>) read and write for one input of this size when every
    /// operation is a kernel of its own, as in eager libtorch: each convolution reads its input and weights and writes its
    /// output, each batch norm, in-place ReLU, residual add, pooling and upsampling reads its operands and writes its result,
    /// activations at <paramref name="bytesPerValue"/> (2 for bfloat16). With <paramref name="convolutionsOnly"/> only the
    /// convolutions' traffic: the floor if norms, ReLUs and adds were fused into them. The style branch, the input's and
    /// output's conversions are left out (under 1 %). <see cref="Count"/> divided by this is the arithmetic intensity that
    /// decides whether a GPU waits on its arithmetic or on its memory.
    /// </summary>
    public static double Bytes(int height, int width, IReadOnlyList<int>? nbase = null, int nout = 3, int bytesPerValue = 2, bool convolutionsOnly = false)
    {
        nbase ??= StandardNbase;
        int levels = nbase.Count - 1;
        double b = bytesPerValue, total = 0;
        double Conv(int cin, int cout, int k, double hw) => b * (hw * (cin + cout) + (double)cin * cout * k * k);
        // An elementwise kernel over c channels: reads its operands, writes one result.
        double Pass(int c, double hw, int operands = 1) => convolutionsOnly ? 0 : b * c * hw * (operands + 1);
        double NormRelu(int c, double hw) => 2 * Pass(c, hw);
        foreach (var (encoder, level, hw, cin, cout) in Blocks(height, width, nbase))
        {
            // Max pooling from the level above (encoder), nearest upsampling from the level below (decoder): 5 reads and writes of
            // a quarter-size map.
            if (!convolutionsOnly && (encoder ? level > 0 : level < levels - 1)) total += b * cin * hw * (encoder ? 5 : 1.25);
            total += encoder
                // Level.Forward: c1(relu(c0(normrelu(x)))) + proj(x), then c3(relu(c2(normrelu(y)))) + y.
                ? Conv(cin, cout, 1, hw) + NormRelu(cin, hw) + Conv(cin, cout, 3, hw) + Pass(cout, hw) + Conv(cout, cout, 3, hw) + Pass(cout, hw, 2)
                  + NormRelu(cout, hw) + Conv(cout, cout, 3, hw) + Pass(cout, hw) + Conv(cout, cout, 3, hw) + Pass(cout, hw, 2)
                // UpLevel.Forward: c1(normrelu(c0(normrelu(x)) + skip)) + proj(x), then c3(relu(c2(normrelu(y)))) + y.
                : NormRelu(cin, hw) + Conv(cin, cout, 3, hw) + Pass(cout, hw, 2) + NormRelu(cout, hw) + Conv(cout, cout, 3, hw) + Conv(cin, cout, 1, hw)
                  + Pass(cout, hw, 2) + NormRelu(cout, hw) + Conv(cout, cout, 3, hw) + Pass(cout, hw) + Conv(cout, cout, 3, hw) + Pass(cout, hw, 2);
        }
        return total + NormRelu(nbase[1], (double)height * width) + Conv(nbase[1], nout, 1, (double)height * width);
    }

    private static double Conv(int cin, int cout, int k, double hw) => 2.0 * cin * cout * k * k * hw;
}
