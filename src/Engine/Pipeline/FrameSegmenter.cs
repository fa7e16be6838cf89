using System.Diagnostics;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Sizing;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Memory;
using AcqSeg.Models.Sizing;

namespace AcqSeg.Engine.Pipeline;

/// <summary>One frame's segmentation: masks, the network's output they came from, QC counts and stage times.</summary>
public sealed record SegmentationResult(LabelImage Masks, NetworkOutput Network, MaskResult MaskStats, double Diameter, StageTimings Timings)
{
    /// <summary>The size model's estimate when the diameter came from it (settings.Diameter null or 0), else null.</summary>
    public SizeEstimate? SizeEstimate { get; init; }

    /// <summary>Where <see cref="Diameter"/> came from: given, diam_labels, estimated (this frame) or reused (a series' estimate).</summary>
    public string DiameterSource { get; init; } = DiameterSources.Given;

    /// <summary>With a series (<see cref="FrameSegmenter.Segment(ImageData, SegmentSettings, DiameterReuse, string)"/>): why this
    /// frame was estimated (<see cref="EstimateReasons"/>) and the numbers behind it; null when it reused or had no estimate.</summary>
    public (string Reason, string Detail)? EstimateReason { get; init; }

    /// <summary>With a series held: what the frame measured at the held diameter (style distance to the estimated frame,
    /// the masks' median diameter against the estimated frame's), whether it kept the diameter or not; null otherwise.</summary>
    public (double StyleDistance, double MaskDiameter, double HeldMaskDiameter)? ReuseCheck { get; init; }

    /// <summary>Frames whose tiles shared the network passes that made <see cref="Network"/> (<see cref="FrameSegmenter.SegmentBatch"/>);
    /// 1 for a frame run on its own.</summary>
    public int NetworkBatch { get; init; } = 1;
}

/// <summary>The values of <see cref="SegmentationResult.DiameterSource"/>.</summary>
public static class DiameterSources
{
    public const string Given = "given";
    public const string DiamLabels = "diam_labels";
    public const string Estimated = "size_model";
    public const string Reused = "reused";
}

/// <summary>
/// Network pass then mask reconstruction, Cellpose's CellposeModel.eval end to end for one 2-D frame.
/// With a size model, a diameter of null or 0 is estimated per frame (Cellpose's Cellpose.eval with diameter 0), or once
/// per series of frames and reused (<see cref="DiameterReuse"/>).
/// Does not own the model; not thread-safe (the model is not).
/// </summary>
public sealed class FrameSegmenter
{
    private readonly SizeEstimator? sizeEstimator;

    public FrameSegmenter(CellposeModel model, SizeModel? sizeModel = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        SizeModel = sizeModel;
        if (sizeModel is not null) sizeEstimator = new SizeEstimator(model, sizeModel);
    }

    public CellposeModel Model { get; }

    /// <summary>The model's size model, used when no diameter is given.</summary>
    public SizeModel? SizeModel { get; }

    /// <summary>The diameter a run will use without looking at the image: the given one, or for null/0 the model's
    /// diam_labels (as Cellpose does for a model without a size model).</summary>
    public double ResolveDiameter(SegmentSettings s) => s.Diameter is > 0 ? s.Diameter.Value : Model.DiamLabels;

    /// <summary>The diameter for this image: the given one; for null/0 the size model's estimate, else diam_labels.</summary>
    public (double Diameter, SizeEstimate? Estimate) ResolveDiameter(ImageData image, SegmentSettings s, CancellationToken cancel = default)
    {
        if (s.Diameter is > 0 || sizeEstimator is null) return (ResolveDiameter(s), null);
        var estimate = sizeEstimator.Estimate(image, NetworkSettings(s, diameter: null), cancel);
        return (estimate.Diameter, estimate);
    }

    /// <summary>The fast path stops a pixel once a step moves it less than this (see <see cref="MaskOptions.ConvergedStep"/>).</summary>
    public const float FastConvergedStep = 1e-4f;

    /// <param name="cancel">checked before each network pass and before the masks are built: a stopping service gives up
    /// the frame (OperationCanceledException) instead of finishing it</param>
    public SegmentationResult Segment(ImageData image, SegmentSettings settings, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ValidateChannels(image, settings);
        var total = Stopwatch.StartNew();
        var (diameter, estimate) = ResolveDiameter(image, settings, cancel);
        var result = SegmentAt(image, settings, diameter, estimate, total, cancel);
        string source = estimate is not null ? DiameterSources.Estimated : settings.Diameter is > 0 ? DiameterSources.Given : DiameterSources.DiamLabels;
        return result with { DiameterSource = source };
    }

    /// <summary>
    /// A frame of a series (an acquisition, a folder): with a size model and no diameter given, the series' held estimate
    /// is reused and checked against this frame's own segmentation pass (<see cref="DiameterReuse"/>); the first frame, and a
    /// frame that drifted, is estimated and segmented at its own diameter, which the series then holds. The seconds spent on
    /// an estimate, and on a pass a drifted frame threw away, count as <see cref="StageTimings.SizeEstimate"/>.
    /// </summary>
    public SegmentationResult Segment(ImageData image, SegmentSettings settings, DiameterReuse reuse, string series, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(reuse);
        if (settings.Diameter is > 0 || sizeEstimator is null) return Segment(image, settings, cancel);
        ArgumentNullException.ThrowIfNull(image);
        ValidateChannels(image, settings);
        var total = Stopwatch.StartNew();
        var held = reuse.Get(series);
        return Conclude(image, settings, reuse, series, held, held is null ? null : SegmentAt(image, settings, held.Diameter, null, total, cancel), total, cancel);
    }

    /// <summary>
    /// A series frame after its pass at the held diameter (<paramref name="reused"/>, null when the series held none): kept
    /// unless it drifted; a drifted or first frame is estimated and segmented at its own diameter, which the series then holds.
    /// </summary>
    private SegmentationResult Conclude(ImageData image, SegmentSettings settings, DiameterReuse reuse, string series, HeldDiameter? held,
        SegmentationResult? reused, Stopwatch total, CancellationToken cancel)
    {
        (string Reason, string Detail) why = (EstimateReasons.FirstFrame, "no diameter held for this series");
        double discarded = 0;
        (double, double, double)? check = null;
        if (held is not null && reused is not null)
        {
            double maskDiameter = TrainingData.Diameter(reused.Masks);
            check = (DiameterReuse.CosineDistance(held.Style, reused.Network.Style), maskDiameter, held.MaskDiameter);
            if (reuse.Drift(held, reused.Network.Style, maskDiameter) is not { } drift)
                return reused with { DiameterSource = DiameterSources.Reused, ReuseCheck = check };
            why = drift;
            // A batched pass is not on this stopwatch: its cost is the frame's own stage times.
            discarded = reused.NetworkBatch > 1 ? reused.Timings.Total : total.Elapsed.TotalSeconds;
        }
        var estimate = sizeEstimator!.Estimate(image, NetworkSettings(settings, diameter: null), cancel);
        var result = SegmentAt(image, settings, estimate.Diameter, estimate, total, cancel);
        // An estimate that measured no objects fell back to diam_mean; a frame without objects (nothing in view) must not
        // replace what an earlier frame measured.
        if (estimate.Objects > 0 || reuse.Get(series) is null)
            reuse.Hold(series, new HeldDiameter(estimate.Diameter, result.Network.Style, TrainingData.Diameter(result.Masks)));
        result.Timings.SizeEstimate += discarded;
        if (reused?.NetworkBatch > 1) result.Timings.Total += discarded;
        return result with { DiameterSource = DiameterSources.Estimated, EstimateReason = why, ReuseCheck = check };
    }

    /// <summary>
    /// The diameter a frame will be segmented at without estimating it first: the given one, the model's diam_labels
    /// without a size model, or the series' held estimate; null when the frame needs an estimate of its own (the first of
    /// its series). Frames of one size with the same planned diameter can share network passes (<see cref="SegmentBatch"/>).
    /// </summary>
    public double? PlannedDiameter(SegmentSettings settings, DiameterReuse? reuse = null, string? series = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Diameter is > 0 || sizeEstimator is null) return ResolveDiameter(settings);
        return reuse is not null && series is not null ? reuse.Get(series)?.Diameter : null;
    }

    /// <summary>
    /// Frames of one size segmented with shared network passes (the tiles of all of them in each forward pass,
    /// <see cref="CellposeModel.RunBatch"/>), then each frame's masks: per frame the result
    /// <see cref="Segment(ImageData, SegmentSettings)"/> gives, or with a size model and no diameter given
    /// <see cref="Segment(ImageData, SegmentSettings, DiameterReuse, string)"/> for the frame's series, up to the rounding of
    /// batched arithmetic. The pass runs at the first frame's <see cref="PlannedDiameter"/>; a frame that needs an estimate
    /// first, plans another diameter, or whose series' held diameter changed while the batch ran (a batch-mate of its series
    /// drifted) is segmented on its own, in order, as it would have been alone. A single frame runs exactly the one-frame path.
    /// </summary>
    /// <param name="series">each frame's series (with <paramref name="reuse"/>); null without a size model or with a diameter given</param>
    public IReadOnlyList<SegmentationResult> SegmentBatch(IReadOnlyList<ImageData> images, SegmentSettings settings, DiameterReuse? reuse = null,
        IReadOnlyList<string>? series = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(settings);
        bool estimated = settings.Diameter is not > 0 && sizeEstimator is not null;
        if (estimated && (reuse is null || series is null || series.Count != images.Count))
            throw new ArgumentException("frames whose diameter the size model estimates are batched per series: give reuse and one series per frame", nameof(series));
        foreach (var image in images)
        {
            ArgumentNullException.ThrowIfNull(image, nameof(images));
            ValidateChannels(image, settings);
        }
        SegmentationResult Alone(int f) => estimated ? Segment(images[f], settings, reuse!, series![f], cancel) : Segment(images[f], settings, cancel);
        var results = new SegmentationResult?[images.Count];
        if (images.Count == 1) return [Alone(0)];

        // In order: a frame whose series holds no diameter is estimated now, so its later batch-mates find the estimate.
        var held = new HeldDiameter?[images.Count];
        var batched = new List<int>();
        double? diameter = null;
        for (int f = 0; f < images.Count; f++)
        {
            if (estimated) held[f] = reuse!.Get(series![f]);
            double? planned = estimated ? held[f]?.Diameter : ResolveDiameter(settings);
            if (planned is null)
            {
                results[f] = Alone(f);
                continue;
            }
            diameter ??= planned;
            if (planned == diameter) batched.Add(f);
        }
        if (batched.Count > 0)
        {
            var total = Stopwatch.StartNew();
            var passes = SegmentAt(batched.Select(f => images[f]).ToList(), settings, diameter!.Value, total, cancel);
            string source = settings.Diameter is > 0 ? DiameterSources.Given : DiameterSources.DiamLabels;
            for (int k = 0; k < batched.Count; k++)
            {
                int f = batched[k];
                var pass = passes[k] with { NetworkBatch = batched.Count };
                passes[k] = null!;
                if (!estimated)
                    results[f] = pass with { DiameterSource = source };
                else if (ReferenceEquals(reuse!.Get(series![f]), held[f]))
                    results[f] = Conclude(images[f], settings, reuse, series[f], held[f], pass, Stopwatch.StartNew(), cancel);
            }
        }
        for (int f = 0; f < images.Count; f++) results[f] ??= Alone(f);
        return results!;
    }

    private SegmentationResult SegmentAt(ImageData image, SegmentSettings settings, double diameter, SizeEstimate? estimate, Stopwatch total,
        CancellationToken cancel)
    {
        var result = SegmentAt([image], settings, diameter, total, cancel)[0];
        if (estimate is null) return result;
        result.Timings.SizeEstimate = estimate.Seconds;
        return result with { SizeEstimate = estimate };
    }

    /// <summary>The network pass over the frames together, then each frame's masks.</summary>
    private SegmentationResult[] SegmentAt(IReadOnlyList<ImageData> images, SegmentSettings settings, double diameter, Stopwatch total,
        CancellationToken cancel)
    {
        var nets = Model.RunBatch(images, NetworkSettings(settings, diameter), cancel).ToArray();
        var results = new SegmentationResult[nets.Length];
        for (int f = 0; f < nets.Length; f++)
        {
            cancel.ThrowIfCancellationRequested();
            results[f] = Masks(nets[f], settings, diameter, total);
            nets[f] = null!; // a large frame's outputs go with its result only
            // In a batch the clock also ran for the batch-mates: a frame's total is its own stages (its share of the passes).
            var t = results[f].Timings;
            if (nets.Length > 1) t.Total = t.Normalize + t.Network + t.Dynamics + t.FlowQc;
        }
        return results;
    }

    private static SegmentationResult Masks(NetworkOutput net, SegmentSettings settings, double diameter, Stopwatch total)
    {
        LargeFrames.ReleaseBetweenStages((long)net.Height * net.Width);
        var masks = MaskDynamics.ComputeMasks(net.DY, net.DX, net.CellProb, net.Height, net.Width, new MaskOptions
        {
            FlowThreshold = settings.FlowThreshold,
            CellprobThreshold = settings.CellprobThreshold,
            MinSize = settings.MinSize,
            Rescale = net.Rescale,
            ConvergedStep = settings.Fast ? FastConvergedStep : 0f,
        });
        var timings = new StageTimings
        {
            Normalize = net.NormalizeTime.TotalSeconds,
            Network = net.NetworkTime.TotalSeconds,
            Dynamics = masks.DynamicsSeconds,
            FlowQc = masks.QcSeconds,
            Total = total.Elapsed.TotalSeconds,
        };
        return new SegmentationResult(masks.Masks, net, masks, diameter, timings);
    }

    /// <summary>The network-pass part of the settings (the size estimate and the segmentation run the same pass).</summary>
    private static EvalSettings NetworkSettings(SegmentSettings s, double? diameter) => new()
    {
        Channel = s.Chan,
        Channel2 = s.Chan2,
        Diameter = diameter,
        Invert = s.Invert,
        Tile = s.Tile,
        TileOverlap = s.TileOverlap,
        Augment = s.Augment,
        Fast = s.Fast,
        Precision = s.Precision,
        FastTiles = s.FastTiles,
        BatchSize = s.BatchSize,
    };

    /// <summary>Channels 1..3 name R, G, B: the image must have that many.</summary>
    public static void ValidateChannels(ImageData image, SegmentSettings s)
    {
        foreach (var (name, c) in new[] { ("chan", s.Chan), ("chan2", s.Chan2) })
        {
            if (c < 0 || c > 3) throw new ArgumentOutOfRangeException(name, c, $"{name} {c}: use 0 (gray) or 1-3 (R, G, B)");
            if (c > image.Channels)
                throw new ArgumentException($"{name} {c} asks for channel {c} but the image has {image.Channels} channel(s); use --{name} 0..{image.Channels}", name);
        }
    }
}
