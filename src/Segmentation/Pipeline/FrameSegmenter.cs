using System.Diagnostics;
using AcqSeg.Segmentation.Dynamics;
using AcqSeg.Segmentation.Inference;
using AcqSeg.Segmentation.Io;

namespace AcqSeg.Segmentation.Pipeline;

/// <summary>One frame's segmentation: masks, the network's output they came from, QC counts and stage times.</summary>
public sealed record SegmentationResult(LabelImage Masks, NetworkOutput Network, MaskResult MaskStats, double Diameter, StageTimings Timings);

/// <summary>
/// Network pass then mask reconstruction, Cellpose's CellposeModel.eval end to end for one 2-D frame.
/// Does not own the model; not thread-safe (the model is not).
/// </summary>
public sealed class FrameSegmenter(CellposeModel model)
{
    public CellposeModel Model { get; } = model;

    /// <summary>The diameter a run will use: the given one, or for null/0 the model's diam_labels (as Cellpose does
    /// for a model without a size model).</summary>
    public double ResolveDiameter(SegmentSettings s) => s.Diameter is > 0 ? s.Diameter.Value : Model.DiamLabels;

    public SegmentationResult Segment(ImageData image, SegmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(image);
        ValidateChannels(image, settings);
        double diameter = ResolveDiameter(settings);
        var total = Stopwatch.StartNew();
        var net = Model.Run(image, new EvalSettings
        {
            Channel = settings.Chan,
            Channel2 = settings.Chan2,
            Diameter = diameter,
            Invert = settings.Invert,
            Tile = settings.Tile,
            TileOverlap = settings.TileOverlap,
            Augment = settings.Augment,
            BatchSize = settings.BatchSize,
        });
        var masks = MaskDynamics.ComputeMasks(net.DY, net.DX, net.CellProb, net.Height, net.Width, new MaskOptions
        {
            FlowThreshold = settings.FlowThreshold,
            CellprobThreshold = settings.CellprobThreshold,
            MinSize = settings.MinSize,
            Rescale = net.Rescale,
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
