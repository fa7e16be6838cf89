using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using TorchSharp;

namespace AcqSeg.Engine.Training;

/// <summary>Training runs built from the loop: fine-tune a weight file on samples, score a weight file on pairs.</summary>
public static class FineTuning
{
    /// <summary>
    /// Trains from <paramref name="basePath"/> (or from scratch with <paramref name="scratchWidths"/> when it is null)
    /// on the samples and saves the result; returns the train loss of the last epoch.
    /// </summary>
    public static double Train(string? basePath, IReadOnlyList<int>? scratchWidths, double scratchDiamMean, IReadOnlyList<TrainingSample> samples,
        TrainSchedule schedule, int seed, DeviceChoice device, string outputPath, CancellationToken cancel, Action<EpochReport>? onEpoch = null)
    {
        var target = device.Resolve();
        TorchSharp.torch.manual_seed(seed);
        using var net = basePath is null ? CellposeNet.Seeded(seed, scratchWidths, scratchDiamMean) : CellposeWeights.LoadNetwork(basePath);
        net.to(target);
        double last = double.NaN;
        new CellposeTrainer(net, target, new TrainOptions { Schedule = schedule, Seed = seed, CheckpointEvery = int.MaxValue, TestEvery = 0 })
            .Train(samples, 0, cancel, r => { last = r.TrainLoss; onEpoch?.Invoke(r); }, (_, _) => { });
        CellposeWeights.Save(net, outputPath);
        return last;
    }

    /// <summary>Mean AP@0.5 of a model over image/mask pairs, each segmented at its true objects' diameter. Cancellation
    /// is seen before every pair.</summary>
    public static double MeanAp50(string modelPath, IReadOnlyList<(string Image, string Masks)> pairs, int chan, int chan2, DeviceChoice device,
        CancellationToken cancel = default)
    {
        var scores = Score(modelPath, pairs, chan, chan2, device, cancel);
        return scores.Count == 0 ? double.NaN : scores.Average(s => s.Ap50);
    }

    /// <summary>
    /// Each pair's image segmented by the exact path at its true objects' diameter (the model's diam_labels when it has no
    /// objects): the masks, the diameter they ran at, and their AP@0.5 against the true masks. A caller that also needs the
    /// exact masks (the train worker's bf16 check) takes them from here instead of segmenting again.
    /// </summary>
    public static IReadOnlyList<(LabelImage Masks, double Diameter, double Ap50)> Score(string modelPath, IReadOnlyList<(string Image, string Masks)> pairs,
        int chan, int chan2, DeviceChoice device, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        using var model = CellposeModel.Load(modelPath, device);
        var segmenter = new FrameSegmenter(model);
        var scores = new List<(LabelImage, double, double)>(pairs.Count);
        foreach (var (image, masks) in pairs)
        {
            cancel.ThrowIfCancellationRequested();
            var truth = LabelFiles.Read(masks);
            double d = TrainingData.Diameter(truth);
            var result = segmenter.Segment(TiffReader.Read(image), new SegmentSettings { Chan = chan, Chan2 = chan2, Diameter = d > 0 ? d : null });
            scores.Add((result.Masks, result.Diameter, SegmentationMetrics.AveragePrecision(truth, result.Masks)));
        }
        return scores;
    }
}
