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
        int levels = nbase.Count - 1;
        double total = 0;
        long h = height, w = width;
        // Encoder: per level a 1x1 projection, a 3x3 conv from the input width, three 3x3 at the level width.
        for (int l = 0; l < levels; l++)
        {
            if (l > 0) { h /= 2; w /= 2; }
            double hw = h * w;
            int cin = nbase[l], cout = nbase[l + 1];
            total += Conv(cin, cout, 1, hw) + Conv(cin, cout, 3, hw) + 3 * Conv(cout, cout, 3, hw);
        }
        // Decoder: nbaseup = nbase[1:] + [nbase[-1]]; block l maps nbaseup[l + 1] -> nbaseup[l] at level l's size.
        var up = new int[levels + 1];
        for (int l = 0; l < levels; l++) up[l] = nbase[l + 1];
        up[levels] = nbase[levels];
        for (int l = levels - 1; l >= 0; l--)
        {
            double hw = (double)(height >> l) * (width >> l);
            int cin = up[l + 1], cout = up[l];
            total += Conv(cin, cout, 1, hw) + Conv(cin, cout, 3, hw) + 3 * Conv(cout, cout, 3, hw);
        }
        total += Conv(up[0], nout, 1, (double)height * width);
        return total;
    }

    /// <summary>FLOPs of one of Cellpose's 224x224 tiles (31.0 GFLOP for the standard widths).</summary>
    public static double PerCellposeTile(IReadOnlyList<int>? nbase = null) => Count(224, 224, nbase);

    private static double Conv(int cin, int cout, int k, double hw) => 2.0 * cin * cout * k * k * hw;
}
