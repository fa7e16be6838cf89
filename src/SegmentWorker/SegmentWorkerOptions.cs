using System.ComponentModel.DataAnnotations;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Models.Zoo;

namespace AcqSeg.SegmentWorker;

public sealed class SegmentWorkerOptions : IValidatableObject
{
    public const string SectionName = "SegmentWorker";

    /// <summary>The broker's prefetch limit for the segment queue (<see cref="PrefetchCount"/>'s range).</summary>
    public const int MaxFramesInHand = 256;

    /// <summary>Outputs go to OutputRoot/&lt;acquisition&gt;/X_cp_masks.tif etc. for a frame X.tif (see <see cref="FrameOutputs"/>).</summary>
    [Required(ErrorMessage = "SegmentWorker:OutputRoot is required: the folder segmentation outputs are written to")]
    public string OutputRoot { get; set; } = "";

    /// <summary>auto, cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Batches segmented at once (with <see cref="BatchSize"/> 1: frames at once).</summary>
    [Range(1, 64)]
    public int ConcurrentMessageLimit { get; set; } = 1;

    [Range(1, 256)]
    public int PrefetchCount { get; set; } = 2;

    /// <summary>Frames taken from the queue together: frames of one model version, size and diameter share their network
    /// passes (their tiles stacked in each forward pass), which pays on a GPU; 1 (the default) segments frame by frame.</summary>
    [Range(1, 64, ErrorMessage = "SegmentWorker:BatchSize must be 1 (frame by frame) to 64 frames")]
    public int BatchSize { get; set; } = 1;

    /// <summary>With <see cref="BatchSize"/> above 1: how long the first frame of a batch waits for more before the batch
    /// runs short, so a lone frame is not held until others arrive.</summary>
    [Range(1, 60_000, ErrorMessage = "SegmentWorker:BatchWaitMilliseconds must be 1 to 60000 ms")]
    public int BatchWaitMilliseconds { get; set; } = 200;

    /// <summary>Frames a worker holds at most: every batch segmented at once full (the broker prefetch is at least this).</summary>
    public int FramesInHand => BatchSize * ConcurrentMessageLimit;

    /// <summary>Retries of a transient fault (I/O, database) before the frame is failed. Six retries doubling from
    /// 200 ms wait about 13 s in all: a database restart (about 5 s in the soak) is waited out instead of leaving the
    /// frame to the janitor's lease.</summary>
    [Range(0, 20)]
    public int RetryLimit { get; set; } = 6;

    [Range(1, 600_000)]
    public int RetryMinMilliseconds { get; set; } = 200;

    [Range(1, 600_000)]
    public int RetryMaxMilliseconds { get; set; } = 5000;

    /// <summary>How long a frame keeps trying to write its outputs (full disk, lost mount, permissions) before it fails;
    /// the segmentation is kept in memory meanwhile, so a short fault costs no frame and no second network pass.</summary>
    [Range(0, 86_400)]
    public int OutputRetrySeconds { get; set; } = 300;

    /// <summary>First wait between output write attempts; it doubles up to <see cref="OutputRetryMaxMilliseconds"/>.</summary>
    [Range(1, 600_000)]
    public int OutputRetryMinMilliseconds { get; set; } = 500;

    [Range(1, 600_000)]
    public int OutputRetryMaxMilliseconds { get; set; } = 30_000;

    /// <summary>Object diameter in pixels; 0 = the model version's size model estimates it once per acquisition (see the
    /// Reestimate options), or its diam_labels when it has none.</summary>
    [Range(0.0, 10_000.0, ErrorMessage = "SegmentWorker:Diameter must be 0 (estimate per acquisition) to 10000 pixels")]
    public double Diameter { get; set; } = 30;

    /// <summary>With Diameter 0: a frame whose style is further than this (1 - cosine) from the estimated frame's is estimated again.</summary>
    public double ReestimateStyleDistance { get; set; } = DiameterReuseOptions.DefaultMaxStyleDistance;

    /// <summary>With Diameter 0: a frame whose masks' median diameter departs from the estimated frame's by more than this
    /// fraction is estimated again.</summary>
    public double ReestimateDiameterChange { get; set; } = DiameterReuseOptions.DefaultMaxDiameterChange;

    /// <summary>With Diameter 0: acquisitions (per model version) whose estimate is held; the least recently segmented goes first.</summary>
    public int HeldDiameters { get; set; } = DiameterReuseOptions.DefaultMaxSeries;

    public DiameterReuseOptions ToReuseOptions() => new()
    {
        MaxStyleDistance = ReestimateStyleDistance,
        MaxDiameterChange = ReestimateDiameterChange,
        MaxSeries = HeldDiameters,
    };
    public bool Tile { get; set; } = true;
    /// <summary>Cellpose's exact float32 path instead of the fast one (bf16, folded norms).</summary>
    public bool Exact { get; set; }
    /// <summary>Fast path arithmetic: auto, float32 or bfloat16.</summary>
    public string Precision { get; set; } = "auto";
    /// <summary>Fast path tiles: cellpose (Cellpose's 224-pixel tiles, masks as the exact path's) or large (fewer passes).</summary>
    public string FastTiles { get; set; } = "cellpose";
    /// <summary>Maximum flow error per mask; unset: the threshold chosen for the model version's weights
    /// (thresholds.json beside them, `acqseg zoo set-thresholds`), else Cellpose's 0.4.</summary>
    [Range(0.0, 100.0)]
    public float? FlowThreshold { get; set; }

    /// <summary>Cell-probability threshold; unset: the one chosen for the model version's weights, else Cellpose's 0.</summary>
    public float? CellprobThreshold { get; set; }
    [Range(0, 1_000_000)]
    public int MinSize { get; set; } = 15;
    [Range(0, 3)]
    public int Chan { get; set; }
    [Range(0, 3)]
    public int Chan2 { get; set; }

    /// <summary>X_flows.tif (dY, dX, cell probability as float32 pages): large (12 bytes a pixel) and read by no part of
    /// the service, so off unless asked for.</summary>
    public bool SaveFlows { get; set; }
    /// <summary>X_cp_outlines.png (outlines over the image): the review UI draws outlines from the masks itself, so off
    /// unless asked for (the review API's outlines.png then answers 404).</summary>
    public bool SaveOutlines { get; set; }
    /// <summary>X_cp_objects.csv, the per-object table (area, centroid, intensities).</summary>
    public bool SaveObjects { get; set; } = true;

    /// <summary>The settings for frames of a model version: a threshold set here wins, else the one chosen for the
    /// version's weights (<paramref name="chosen"/>), else Cellpose's.</summary>
    public SegmentSettings ToSettings(MaskThresholds? chosen = null) => new()
    {
        Chan = Chan,
        Chan2 = Chan2,
        Diameter = Diameter,
        Tile = Tile,
        Fast = !Exact,
        Precision = NetworkPrecisionExtensions.Parse(Precision),
        FastTiles = FastTilesExtensions.Parse(FastTiles),
        FlowThreshold = FlowThreshold ?? chosen?.FlowThreshold ?? MaskThresholds.DefaultFlowThreshold,
        CellprobThreshold = CellprobThreshold ?? chosen?.CellprobThreshold ?? MaskThresholds.DefaultCellprobThreshold,
        MinSize = MinSize,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        ValidationResult? device = null;
        try
        {
            DeviceChoice.Parse(Device);
        }
        catch (ArgumentException ex)
        {
            device = new ValidationResult($"SegmentWorker:Device '{Device}': {ex.Message}", [nameof(Device)]);
        }
        if (device is not null) yield return device;
        ValidationResult? precision = null;
        try
        {
            NetworkPrecisionExtensions.Parse(Precision);
        }
        catch (ArgumentException ex)
        {
            precision = new ValidationResult($"SegmentWorker:Precision: {ex.Message}", [nameof(Precision)]);
        }
        if (precision is not null) yield return precision;
        ValidationResult? tiles = null;
        try
        {
            FastTilesExtensions.Parse(FastTiles);
        }
        catch (ArgumentException ex)
        {
            tiles = new ValidationResult($"SegmentWorker:FastTiles: {ex.Message}", [nameof(FastTiles)]);
        }
        if (tiles is not null) yield return tiles;
        foreach (string problem in ToReuseOptions().Problems("SegmentWorker:ReestimateStyleDistance", "SegmentWorker:ReestimateDiameterChange", "SegmentWorker:HeldDiameters"))
            yield return new ValidationResult(problem, [nameof(ReestimateStyleDistance)]);
        if (RetryMinMilliseconds > RetryMaxMilliseconds)
            yield return new ValidationResult("SegmentWorker:RetryMinMilliseconds must not exceed RetryMaxMilliseconds", [nameof(RetryMinMilliseconds)]);
        if (FramesInHand > MaxFramesInHand)
            yield return new ValidationResult($"SegmentWorker:BatchSize {BatchSize} x ConcurrentMessageLimit {ConcurrentMessageLimit} = {FramesInHand} frames in hand " +
                $"at once; lower one of them so that their product is at most {MaxFramesInHand}", [nameof(BatchSize)]);
        if (OutputRetryMinMilliseconds > OutputRetryMaxMilliseconds)
            yield return new ValidationResult("SegmentWorker:OutputRetryMinMilliseconds must not exceed OutputRetryMaxMilliseconds", [nameof(OutputRetryMinMilliseconds)]);
    }
}
