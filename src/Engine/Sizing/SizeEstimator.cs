using System.Diagnostics;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Models.Sizing;

namespace AcqSeg.Engine.Sizing;

/// <summary>What the size model found for one image: the final diameter, the style-only guess, and the time it took.</summary>
public sealed record SizeEstimate(double Diameter, double StyleDiameter, int Objects, float[] Style, double Seconds)
{
    /// <summary>The diameter measured after each refining pass (one entry for Cellpose's single pass).</summary>
    public IReadOnlyList<double> PassDiameters { get; init; } = [];
}

/// <summary>
/// Cellpose's SizeModel.eval: (1) the style of the image predicts a diameter d; (2) the network runs again at rescale
/// diam_mean / d, masks are built at that scale (nearest-pixel flow following, Cellpose's default thresholds) and resized
/// back to the image; the final diameter is their median sqrt(area) / (sqrt(pi) / 2), diam_mean when there are none.
/// The style pass runs at the network's own scale (rescale 1), the scale the size model's training crops had;
/// Cellpose rescales by diam_mean / diam_labels there, which is 1 for its built-in models.
/// A size model with <see cref="SizeModel.RefinePasses"/> above 1 repeats step (2) at the diameter the previous pass
/// measured until it changes by less than <see cref="SizeModel.SettledChange"/> or a pass finds no objects (then the previous
/// diameter stands).
/// Does not own the model; not thread-safe (the model is not).
/// </summary>
public sealed class SizeEstimator
{
    public SizeEstimator(CellposeModel model, SizeModel size)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Size = size ?? throw new ArgumentNullException(nameof(size));
        if (size.StyleLength != model.Network.StyleLength)
            throw new ArgumentException($"the size model expects styles of length {size.StyleLength} but {model.SourcePath} gives {model.Network.StyleLength}; it was trained for another network", nameof(size));
    }

    public CellposeModel Model { get; }
    public SizeModel Size { get; }

    /// <param name="settings">channels, invert, tiling and augmentation of the run (diameter and resampling are set here)</param>
    /// <param name="cancel">checked before each network pass (<see cref="CellposeModel.RunBatch"/>)</param>
    public SizeEstimate Estimate(ImageData image, EvalSettings? settings = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var clock = Stopwatch.StartNew();
        var baseSettings = (settings ?? new EvalSettings()) with { Resample = false };
        var stylePass = Model.Run(image, baseSettings with { Diameter = null }, cancel);
        double styleDiameter = Size.PredictFromStyle(stylePass.Style);
        if (!(styleDiameter > 0)) styleDiameter = Size.DiamMean;

        double diameter = 0;
        int objects = 0;
        var passes = new List<double>(Size.RefinePasses);
        double runAt = styleDiameter;
        for (int pass = 0; pass < Size.RefinePasses; pass++)
        {
            var (measured, count) = MeasureAt(image, baseSettings, runAt, cancel);
            if (!(measured > 0))
            {
                // Cellpose's single pass falls back to diam_mean; a later pass keeps what the previous one measured.
                if (pass == 0) diameter = Size.DiamMean;
                break;
            }
            passes.Add(measured);
            diameter = measured;
            objects = count;
            if (Math.Abs(measured / runAt - 1) < Size.SettledChange) break;
            runAt = measured;
        }
        return new SizeEstimate(diameter, styleDiameter, objects, stylePass.Style, clock.Elapsed.TotalSeconds) { PassDiameters = passes };
    }

    /// <summary>Masks at the given diameter, resized back to the image; their median diameter and count.</summary>
    private (double Diameter, int Objects) MeasureAt(ImageData image, EvalSettings baseSettings, double diameter, CancellationToken cancel)
    {
        // Run at rescale = the size model's diam_mean / d, expressed as the diameter the network's own diam_mean implies.
        double rescale = Size.DiamMean / diameter;
        var maskPass = Model.Run(image, baseSettings with { Diameter = Model.DiamMean / rescale }, cancel);
        var masks = MaskDynamics.ComputeMasks(maskPass.DY, maskPass.DX, maskPass.CellProb, maskPass.Height, maskPass.Width,
            new MaskOptions { Interp = false, Rescale = maskPass.Rescale });
        var labels = NearestResize.Labels(masks.Masks, image.Height, image.Width);
        return (TrainingData.Diameter(labels), labels.CountObjects());
    }
}

/// <summary>OpenCV's INTER_NEAREST resize of a label image (source index = floor(dst x src / dst)).</summary>
public static class NearestResize
{
    public static LabelImage Labels(LabelImage source, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Height == height && source.Width == width) return source;
        var result = new int[height * width];
        double fy = (double)source.Height / height, fx = (double)source.Width / width;
        var xs = new int[width];
        for (int x = 0; x < width; x++) xs[x] = Math.Min((int)Math.Floor(x * fx), source.Width - 1);
        for (int y = 0; y < height; y++)
        {
            int sy = Math.Min((int)Math.Floor(y * fy), source.Height - 1);
            for (int x = 0; x < width; x++) result[y * width + x] = source.Labels[sy * source.Width + xs[x]];
        }
        return new LabelImage(result, height, width);
    }
}
