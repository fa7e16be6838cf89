namespace AcqSeg.Engine.Pipeline;

/// <summary>Everything `acqseg segment` can set; defaults are Cellpose v2's.</summary>
public sealed record SegmentSettings
{
    /// <summary>Cellpose channels: 0 = gray (mean of channels), 1..3 = R/G/B.</summary>
    public int Chan { get; init; }
    /// <summary>Optional second (nuclear) channel: 0 = none.</summary>
    public int Chan2 { get; init; }
    /// <summary>Object diameter in pixels; null or 0 = the model's size model, else its diam_labels (as Cellpose).</summary>
    public double? Diameter { get; init; } = 30.0;
    public bool Invert { get; init; }
    /// <summary>False = one pass over the whole padded frame (faster on CPU, not Cellpose-exact at tile seams).</summary>
    public bool Tile { get; init; } = true;
    public double TileOverlap { get; init; } = 0.1;
    public bool Augment { get; init; }
    /// <summary>The fast network path (see <see cref="Inference.EvalSettings.Fast"/>); false = Cellpose-exact float32.</summary>
    public bool Fast { get; init; }
    public Inference.NetworkPrecision Precision { get; init; } = Inference.NetworkPrecision.Auto;
    public Inference.FastTiles FastTiles { get; init; } = Inference.FastTiles.Cellpose;
    public int BatchSize { get; init; } = 8;
    public float FlowThreshold { get; init; } = 0.4f;
    public float CellprobThreshold { get; init; }
    public int MinSize { get; init; } = 15;
}

/// <summary>Seconds spent per stage of one frame (the `--timings` JSON line).</summary>
public sealed record StageTimings
{
    public double Read { get; set; }
    public double Normalize { get; set; }
    public double Network { get; set; }
    public double Dynamics { get; set; }
    public double FlowQc { get; set; }
    /// <summary>The size model's two network passes (0 when the diameter was given).</summary>
    public double SizeEstimate { get; set; }
    public double Write { get; set; }
    public double Total { get; set; }
}
