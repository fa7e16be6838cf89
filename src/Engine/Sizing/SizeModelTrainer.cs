using System.Diagnostics;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Training;
using AcqSeg.Models.Sizing;
using TorchSharp;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Sizing;

/// <summary>Settings of a size-model fit; defaults are Cellpose v2.3.2's SizeModel.train.</summary>
public sealed record SizeTrainOptions
{
    /// <summary>Passes over the images; each pass draws one random crop per image (Cellpose's n_epochs).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Crops are CropSize x CropSize (Cellpose: 512).</summary>
    public int CropSize { get; init; } = 512;

    /// <summary>Crops per network pass (Cellpose halves its batch of 8 for the larger crops).</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Random scale U[1 - r/2, 1 + r/2] of each crop (Cellpose: scale_range 1, i.e. 0.5 .. 1.5).</summary>
    public double ScaleRange { get; init; } = 1.0;

    /// <summary>
    /// When set, crop scales are drawn log-uniformly in [Min, Max] instead (ScaleRange is then unused): reaches object
    /// sizes several times those of the training images (Cellpose's range stops at 1.5x) without as many tiny ones.
    /// </summary>
    public (double Min, double Max)? LogScales { get; init; }

    public double L2 { get; init; } = 1.0;
    public int Seed { get; init; }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "size-model epochs must be at least 1");
        if (CropSize < 16 || CropSize % 8 != 0) throw new ArgumentOutOfRangeException(nameof(CropSize), CropSize, "crop size must be a multiple of 8, at least 16");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be at least 1");
        if (ScaleRange is < 0 or > 1.9) throw new ArgumentOutOfRangeException(nameof(ScaleRange), ScaleRange, "scale range must be in [0, 1.9]");
        if (LogScales is { } l && !(l.Min >= 0.1 && l.Max <= 10 && l.Min < l.Max))
            throw new ArgumentOutOfRangeException(nameof(LogScales), LogScales, "scales must satisfy 0.1 <= min < max <= 10");
        if (!(L2 > 0)) throw new ArgumentOutOfRangeException(nameof(L2), L2, "the L2 penalty must be positive");
    }
}

/// <summary>A fitted size model and how it was made.</summary>
public sealed record SizeTrainResult(SizeModel Model, int Images, int Crops, double TrainCorrelation, double Seconds);

/// <summary>
/// Cellpose's SizeModel.train: every epoch, one randomly rotated, flipped and scaled crop of every image (no rescaling to
/// diam_mean) goes through the network; its style is paired with log(diameter x scale) - log(diam_mean); a ridge
/// regression maps styles to those targets. Images without objects are left out (Cellpose intends to; its loop deletes
/// while indexing and keeps their zero diameters, which this does not copy).
/// </summary>
public static class SizeModelTrainer
{
    public static SizeTrainResult Train(CellposeNet net, IReadOnlyList<TrainingSample> samples, Device device, SizeTrainOptions? options = null,
        CancellationToken cancel = default, Action<int, int>? onEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(samples);
        var o = options ?? new SizeTrainOptions();
        o.Validate();
        var clock = Stopwatch.StartNew();
        var kept = samples.Where(s => s.Diameter > 0).ToList();
        if (kept.Count == 0) throw new ArgumentException("no training image has objects; a size model needs images with masks", nameof(samples));
        int n = kept.Count, features = net.StyleLength, size = o.CropSize;
        double diamMean = net.DiamMean;
        var styles = new float[o.Epochs * n * features];
        var targets = new double[o.Epochs * n];
        net.eval();
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            for (int start = 0; start < n; start += o.BatchSize)
            {
                cancel.ThrowIfCancellationRequested();
                int count = Math.Min(o.BatchSize, n - start);
                var batch = new float[count * net.InputChannels * size * size];
                var scales = new double[count];
                for (int b = 0; b < count; b++)
                {
                    var s = kept[start + b];
                    if (s.Channels != net.InputChannels)
                        throw new ArgumentException($"{s.Name} has {s.Channels} network channels, the network takes {net.InputChannels}");
                    var rng = new Random(Seeds.Mix(o.Seed, epoch, start + b));
                    var draw = RandomRotateResize.Draw(s.Height, s.Width, 1.0, o.ScaleRange, size, rng, logScales: o.LogScales);
                    var crop = RandomRotateResize.Apply(s.Image, s.Channels, s.Height, s.Width, s.CellProb, s.FlowY, s.FlowX, size, draw);
                    crop.Image.CopyTo(batch, b * crop.Image.Length);
                    scales[b] = draw.Scale;
                }
                float[] batchStyles = Styles(net, device, batch, count, size);
                for (int b = 0; b < count; b++)
                {
                    int row = epoch * n + start + b;
                    Array.Copy(batchStyles, b * features, styles, row * features, features);
                    // Cellpose stores the targets as float32.
                    targets[row] = (float)(Math.Log(kept[start + b].Diameter) - Math.Log(diamMean) + Math.Log(scales[b]));
                }
            }
            onEpoch?.Invoke(epoch + 1, o.Epochs);
        }
        var fit = RidgeRegression.Solve(styles, o.Epochs * n, features, targets, o.L2);
        var model = new SizeModel(fit.A, fit.StyleMean, diamMean, fit.YMean);
        return new SizeTrainResult(model, n, o.Epochs * n, fit.TrainCorrelation, clock.Elapsed.TotalSeconds);
    }

    private static float[] Styles(CellposeNet net, Device device, float[] batch, int count, int size)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.tensor(batch, [count, net.InputChannels, size, size], ScalarType.Float32).to(device);
        var (_, style) = net.forward(x);
        return style.to(ScalarType.Float32).cpu().data<float>().ToArray();
    }
}
