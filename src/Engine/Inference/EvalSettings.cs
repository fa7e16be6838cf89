namespace AcqSeg.Engine.Inference;

/// <summary>Cellpose's CellposeModel.eval arguments that affect the network pass (defaults as in v2.3.2).</summary>
public sealed record EvalSettings
{
    /// <summary>Channel to segment: 0 gray (mean), 1 R, 2 G, 3 B.</summary>
    public int Channel { get; init; }

    /// <summary>Optional nuclear channel: 0 none, 1 R, 2 G, 3 B.</summary>
    public int Channel2 { get; init; }

    /// <summary>Object diameter in pixels; null or 0 runs at the model's diam_mean (rescale 1).</summary>
    public double? Diameter { get; init; }

    public bool Normalize { get; init; } = true;
    public bool Invert { get; init; }

    /// <summary>Tiles of 224 blended with a taper; false runs one pass over the padded frame (faster on CPU).</summary>
    public bool Tile { get; init; } = true;

    public double TileOverlap { get; init; } = 0.1;

    /// <summary>Test-time augmentation: 50 % overlapping tiles flipped by parity.</summary>
    public bool Augment { get; init; }

    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// The fast path (<see cref="Network.FastCellposeNet"/>): norms folded into convolutions, channels-last, bfloat16
    /// where the hardware has it, on Cellpose's 224-pixel tiles or (<see cref="FastTiles"/>) on tiles of up to
    /// <see cref="FastTileSize"/> with a <see cref="FastTileOverlap"/> pixel overlap. Off = Cellpose's exact float32 tiled pass.
    /// Test-time augmentation always runs the exact path.
    /// </summary>
    public bool Fast { get; init; }

    /// <summary>Arithmetic of the fast path; Auto picks bfloat16 on CPUs with native bf16 instructions, for weights whose
    /// bf16 check holds (<see cref="CellposeModel.ResolvePrecision"/>).</summary>
    public NetworkPrecision Precision { get; init; } = NetworkPrecision.Auto;

    /// <summary>Tile layout of the fast path: Cellpose's 224-pixel tiles, or large tiles (fewer passes, not exact).</summary>
    public FastTiles FastTiles { get; init; } = FastTiles.Cellpose;

    /// <summary>Largest tile side of the fast path's large tiles (a multiple of 16: a padded 512x512 frame runs as one tile).</summary>
    public int FastTileSize { get; init; } = 544;

    /// <summary>Pixels neighbouring fast-path tiles share (blended with Cellpose's taper).</summary>
    public int FastTileOverlap { get; init; } = 32;

    /// <summary>Resize the outputs back to the input size (else they stay at the rescaled size).</summary>
    public bool Resample { get; init; } = true;
}
