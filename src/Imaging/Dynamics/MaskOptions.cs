namespace AcqSeg.Imaging.Dynamics;

/// <summary>Settings of mask reconstruction; defaults are Cellpose v2.3.2's.</summary>
public sealed record MaskOptions
{
    public static readonly MaskOptions Default = new();

    /// <summary>Objects whose flow error exceeds this are removed; 0 (or less) turns the check off.</summary>
    public double FlowThreshold { get; init; } = 0.4;

    /// <summary>Pixels with a cell-probability logit above this take part.</summary>
    public float CellprobThreshold { get; init; }

    /// <summary>Objects with fewer pixels are erased; 0 or less keeps all.</summary>
    public int MinSize { get; init; } = 15;

    /// <summary>diam_mean / diameter; sets the number of Euler steps (200 / rescale) unless <see cref="Niter"/> is given.</summary>
    public double Rescale { get; init; } = 1.0;

    /// <summary>Explicit number of Euler steps, overriding the one derived from <see cref="Rescale"/>.</summary>
    public int? Niter { get; init; }

    /// <summary>Bilinear sampling of the flows (Cellpose's default) rather than nearest-pixel lookups.</summary>
    public bool Interp { get; init; } = true;

    /// <summary>
    /// Fast path: a pixel stops once one Euler step moves it less than this in both axes (0 = never, Cellpose's
    /// behaviour). Steps that small leave the final integer bin unchanged unless a position sits within
    /// niter x this of a bin edge.
    /// </summary>
    public float ConvergedStep { get; init; }

    public int Iterations
    {
        get
        {
            if (Niter is { } n)
            {
                if (n < 0) throw new ArgumentOutOfRangeException(nameof(Niter), n, "Niter must be 0 or more Euler steps");
                return n;
            }
            return FlowFollower.IterationsFor(Rescale);
        }
    }
}
