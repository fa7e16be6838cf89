using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Models.Precision;
using AcqSeg.Models.Zoo;

namespace AcqSeg.Engine.Inference;

/// <summary>
/// Measures a <see cref="Bf16Check"/>: each image is segmented by the exact path and by the fast path in bfloat16 on
/// Cellpose's tiles, at a given diameter (its masks' median diameter where known), and the bf16 masks are
/// scored against the exact ones (AP@0.5). `acqseg zoo parity` runs it on training folders; the train worker on the
/// held-back frames of a version it publishes.
/// </summary>
public static class Bf16Parity
{
    /// <param name="images">each image with the diameter to segment it at (null: the model's training-label diameter)</param>
    public static IReadOnlyList<(string Image, double Ap50)> Measure(CellposeModel model, IReadOnlyList<(string Image, double? Diameter)> images,
        int chan, int chan2, CancellationToken cancel = default) =>
        Measure(model, images.Select(i => (i.Image, i.Diameter, (LabelImage?)null)).ToList(), chan, chan2, cancel);

    /// <param name="images">each image with the diameter to segment it at (null: the model's training-label diameter) and,
    /// where the caller has them, the exact path's masks at that diameter by this model on this device (not made again)</param>
    public static IReadOnlyList<(string Image, double Ap50)> Measure(CellposeModel model, IReadOnlyList<(string Image, double? Diameter, LabelImage? Exact)> images,
        int chan, int chan2, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var segmenter = new FrameSegmenter(model);
        var result = new List<(string, double)>();
        foreach (var (file, diameter, known) in images)
        {
            cancel.ThrowIfCancellationRequested();
            var image = TiffReader.Read(file);
            var settings = new SegmentSettings { Diameter = diameter is > 0 ? diameter : model.DiamLabels, Chan = chan, Chan2 = chan2 };
            var exact = known ?? segmenter.Segment(image, settings).Masks;
            var bf16 = segmenter.Segment(image, settings with { Fast = true, Precision = NetworkPrecision.BFloat16, FastTiles = FastTiles.Cellpose }).Masks;
            result.Add((Path.GetFileName(file), SegmentationMetrics.AveragePrecision(exact, bf16)));
        }
        return result;
    }

    /// <summary>The median diameter of a label file's objects, null when it has none.</summary>
    public static double? MasksDiameter(string masksPath)
    {
        double d = TrainingData.Diameter(LabelFiles.Read(masksPath));
        return d > 0 ? d : null;
    }

    /// <summary>The check for these weights from per-image scores (at least one).</summary>
    public static Bf16Check Check(string weightsPath, IReadOnlyList<(string Image, double Ap50)> scores, IReadOnlyList<string> folders)
    {
        if (scores.Count == 0) throw new ArgumentException("a bf16 check needs at least one image", nameof(scores));
        var lowest = scores.MinBy(a => a.Ap50);
        return new Bf16Check
        {
            WeightsSha256 = ModelSuggester.Sha256(weightsPath),
            MinAp50 = Math.Round(lowest.Ap50, 4),
            MeanAp50 = Math.Round(scores.Average(a => a.Ap50), 4),
            Images = scores.Count,
            Folders = folders,
            LowestImage = lowest.Image,
            Measured = DateTimeOffset.UtcNow,
        };
    }
}
