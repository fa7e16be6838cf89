using System.Diagnostics;
using AcqSeg.Engine.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Training;

/// <summary>Per-epoch report: what the console, the CSV and the checkpoints record.</summary>
public sealed record EpochReport(int Epoch, int Epochs, double TrainLoss, double? TestLoss, double? TestAp50, double LearningRate,
    double Seconds, double ImagesPerSecond, TimeSpan Eta);

public sealed record TrainOptions
{
    public required TrainSchedule Schedule { get; init; }
    public int Seed { get; init; }
    /// <summary>Crop size fed to the network (Cellpose: 224).</summary>
    public int CropSize { get; init; } = 224;
    /// <summary>Rescale every image to the network's diam_mean (Cellpose's default; scale_range 0.5 then).</summary>
    public bool Rescale { get; init; } = true;
    /// <summary>Write a checkpoint every this many epochs (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 10;
    /// <summary>Run the test scorer every this many epochs (0 = only at the end).</summary>
    public int TestEvery { get; init; } = 10;
    /// <summary>
    /// End this run after this many epochs of the schedule (checkpointed, scored), though the schedule is longer: a CPU
    /// run can publish an interim model and a later run resume from the checkpoint to the schedule's end.
    /// </summary>
    public int? StopAfterEpoch { get; init; }
    /// <summary>
    /// Crops the BatchNorm running statistics are recomputed over at the end of the run (0 = keep the running averages,
    /// as Cellpose does). See <see cref="CellposeTrainer.RecalibrateNorms"/>.
    /// </summary>
    public int NormCrops { get; init; } = 64;
    /// <summary>
    /// Largest exponent of the intensity augmentation (<see cref="IntensityGamma"/>): each crop gets x^g with g
    /// log-uniform in [1/MaxGamma, MaxGamma]. 1 = off, Cellpose's training. The end-of-run BatchNorm recalibration
    /// draws its crops the same way, so the statistics match what the weights were trained on.
    /// </summary>
    public double MaxGamma { get; init; } = 1.0;
}

/// <summary>
/// Cellpose's training loop (core._train_net) for a <see cref="CellposeNet"/>: SGD with momentum, Cellpose's loss
/// (MSE of the flows against 5x the targets, halved, plus BCE-with-logits on cell probability), augmentation by
/// <see cref="RandomRotateResize"/>, diam_labels recorded. Deterministic for a seed: epoch e's image order and
/// augmentations come from (seed, e) alone, so a run resumed from a checkpoint continues as the original would.
/// </summary>
public sealed class CellposeTrainer
{
    private readonly CellposeNet _net;
    private readonly Device _device;
    private readonly TrainOptions _options;

    public CellposeTrainer(CellposeNet net, Device device, TrainOptions options)
    {
        options.Schedule.Validate();
        if (!(options.MaxGamma >= 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxGamma, "MaxGamma must be at least 1 (1 = no intensity augmentation)");
        _net = net;
        _device = device;
        _options = options;
    }

    /// <summary>Samples kept for training: those with at least MinTrainMasks objects.</summary>
    public IReadOnlyList<TrainingSample> Filter(IReadOnlyList<TrainingSample> samples) =>
        samples.Where(s => s.Objects >= _options.Schedule.MinTrainMasks).ToList();

    /// <summary>Mean object diameter of the training labels (diameters above 0), which Cellpose stores as diam_labels.</summary>
    public static double MeanLabelDiameter(IReadOnlyList<TrainingSample> samples)
    {
        var d = samples.Select(s => s.Diameter).Where(v => v > 0).ToList();
        return d.Count == 0 ? 0 : d.Average();
    }

    /// <summary>
    /// Trains from <paramref name="startEpoch"/> (0, or the epoch after a checkpoint) to the schedule's end, or to
    /// <see cref="TrainOptions.StopAfterEpoch"/>.
    /// <paramref name="onEpoch"/> sees each report; <paramref name="checkpoint"/> is called every CheckpointEvery epochs
    /// and at the end with the next epoch to run and the optimiser; <paramref name="testScorer"/>, when given, returns
    /// (test loss, AP@0.5) for the current network.
    /// <para>
    /// Cancellation is seen before every batch. Seen between two epochs, the run first checkpoints that epoch boundary
    /// (unless it was just checkpointed, or nothing was trained since the start), so a resumed run goes on from there
    /// exactly as an uninterrupted one would; seen inside an epoch, the weights are part-way through it and the last
    /// checkpoint stays the one to resume from. Either way the method then throws <see cref="OperationCanceledException"/>.
    /// </para>
    /// </summary>
    public void Train(IReadOnlyList<TrainingSample> samples, int startEpoch, CancellationToken cancel,
        Action<EpochReport> onEpoch, Action<int, OptimizerHelper> checkpoint,
        Func<CellposeNet, (double Loss, double Ap50)>? testScorer = null, Action<OptimizerHelper>? restoreOptimizer = null)
    {
        var schedule = _options.Schedule;
        var train = Filter(samples);
        if (train.Count == 0)
            throw new InvalidOperationException($"no training image has at least {schedule.MinTrainMasks} masks ({samples.Count} given)");
        if (train[0].Channels != _net.InputChannels)
            throw new InvalidOperationException($"training images have {train[0].Channels} channels, the network takes {_net.InputChannels}");

        SetDiamLabels(_net, MeanLabelDiameter(train));
        using var threads = TrainingThreads.Use(_device);
        var parameters = _net.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.SGD(parameters, schedule.LearningRateAt(Math.Min(startEpoch, schedule.Epochs - 1)),
            schedule.Momentum, weight_decay: schedule.WeightDecay);
        restoreOptimizer?.Invoke(optimizer);

        int perEpoch = schedule.ImagesPerEpoch ?? Math.Max(train.Count, schedule.MinImagesPerEpoch);
        var clock = Stopwatch.StartNew();
        int trainedEpochs = 0;
        int end = StopEpoch(schedule, _options.StopAfterEpoch);
        int checkpointed = startEpoch;
        for (int epoch = startEpoch; epoch < end; epoch++)
        {
            if (cancel.IsCancellationRequested)
            {
                if (epoch > checkpointed)
                {
                    _net.eval();
                    checkpoint(epoch, optimizer);
                }
                cancel.ThrowIfCancellationRequested();
            }
            double lr = schedule.LearningRateAt(epoch);
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
            var order = EpochOrder(_options.Seed, train.Count, perEpoch, epoch);
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            int seen = 0;
            _net.train();
            for (int b = 0; b < order.Length; b += schedule.BatchSize)
            {
                cancel.ThrowIfCancellationRequested();
                int n = Math.Min(schedule.BatchSize, order.Length - b);
                lossSum += Step(optimizer, lr, Crops(train, order, b, n, epoch)) * n;
                seen += n;
            }
            trainedEpochs++;
            double epochSeconds = epochClock.Elapsed.TotalSeconds;
            double? testLoss = null, testAp = null;
            bool last = epoch == end - 1;
            if (last && _options.NormCrops > 0)
                RecalibrateAfter(train, epoch, cancel);
            if (testScorer is not null && (last || (_options.TestEvery > 0 && epoch % _options.TestEvery == 0)))
            {
                _net.eval();
                var (l, ap) = testScorer(_net);
                testLoss = l;
                testAp = ap;
            }
            var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / trainedEpochs * (end - epoch - 1));
            onEpoch(new EpochReport(epoch, schedule.Epochs, lossSum / seen, testLoss, testAp, lr, epochSeconds, seen / epochSeconds, eta));
            if (last || (epoch + 1) % _options.CheckpointEvery == 0)
            {
                _net.eval();
                checkpoint(epoch + 1, optimizer);
                checkpointed = epoch + 1;
            }
        }
        // A run resumed at (or past) its end trains nothing; the network it hands on still gets its statistics
        // recomputed, from the crops the last epoch's recalibration would have used.
        if (trainedEpochs == 0 && _options.NormCrops > 0)
        {
            int epoch = Math.Max(0, Math.Min(startEpoch, end) - 1);
            RecalibrateAfter(train, epoch, cancel);
        }
        _net.eval();
    }

    /// <summary>The epoch count a run ends at: the schedule's, or <paramref name="stopAfter"/> when that is shorter.</summary>
    public static int StopEpoch(TrainSchedule schedule, int? stopAfter)
    {
        if (stopAfter is < 1) throw new ArgumentOutOfRangeException(nameof(stopAfter), $"stop after epoch {stopAfter} must be >= 1");
        return Math.Min(schedule.Epochs, stopAfter ?? schedule.Epochs);
    }

    /// <summary>Crops order[b..b+n) of an epoch, augmented as Cellpose's training does, from (seed, epoch, position).</summary>
    private AugmentedCrop[] Crops(IReadOnlyList<TrainingSample> train, int[] order, int b, int n, int epoch)
    {
        double diamMean = _net.DiamMean;
        var crops = new AugmentedCrop[n];
        Parallel.For(0, n, i =>
        {
            var s = train[order[b + i]];
            double rescale = _options.Rescale ? Math.Max(5, s.Diameter) / diamMean : 1.0;
            double range = _options.Rescale ? 0.5 : 1.0;
            var rng = new Random(Seeds.Mix(_options.Seed, epoch, b + i));
            var crop = RandomRotateResize.Apply(s.Image, s.Channels, s.Height, s.Width, s.CellProb, s.FlowY, s.FlowX,
                rescale, range, _options.CropSize, rng);
            // Drawn after the affine draws, so a run without it crops exactly as before.
            if (_options.MaxGamma > 1) IntensityGamma.Apply(crop.Image, _options.MaxGamma, rng);
            crops[i] = crop;
        });
        return crops;
    }

    /// <summary>Recalibration at the end of a run: NormCrops crops drawn as epoch <paramref name="epoch"/> draws them.</summary>
    private void RecalibrateAfter(IReadOnlyList<TrainingSample> train, int epoch, CancellationToken cancel) =>
        RecalibrateNorms(Crops(train, EpochOrder(_options.Seed, train.Count, _options.NormCrops, epoch), 0, _options.NormCrops, epoch), cancel);

    /// <summary>
    /// Recomputes every BatchNorm's running mean and variance with the current weights, as the plain average of the
    /// batch statistics over <paramref name="crops"/> (in batches of the schedule's size). Why: the running values are
    /// an exponential average over the last ~10 batches, taken while the weights moved; with few batches an epoch and a
    /// constant learning rate (the online schedule: one batch an epoch at lr 0.1) they can lag far behind the final
    /// weights, and a model that works with batch statistics then predicts almost no cell in eval mode. Weights are
    /// untouched. Cancellation is seen before every batch; a cancelled recalibration leaves statistics of part of the
    /// crops (a resumed run recalibrates again).
    /// </summary>
    public void RecalibrateNorms(IReadOnlyList<AugmentedCrop> crops, CancellationToken cancel = default)
    {
        var norms = _net.modules().OfType<BatchNormalization>().ToList();
        if (norms.Count == 0 || crops.Count == 0) return;
        var momenta = norms.Select(n => n.Momentum).ToList();
        int batch = _options.Schedule.BatchSize;
        try
        {
            foreach (var n in norms) n.ResetRunningStats();
            _net.train();
            using var _ = no_grad();
            for (int b = 0, k = 0; b < crops.Count; b += batch, k++)
            {
                cancel.ThrowIfCancellationRequested();
                // Momentum 1/(k+1) on batch k keeps the running values the mean over batches 0..k.
                foreach (var norm in norms) norm.Momentum = 1.0 / (k + 1);
                using var scope = NewDisposeScope();
                // Only the images: the targets Stack also builds are not needed here.
                _net.forward(ImageBatch(crops.Skip(b).Take(batch).ToList()).to(_device));
            }
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++) norms[i].Momentum = momenta[i];
            _net.eval();
        }
    }

    /// <summary>Records the training labels' mean diameter in the network (saved with it as diam_labels).</summary>
    public static void SetDiamLabels(CellposeNet net, double diameter)
    {
        using var _ = no_grad();
        var p = net.get_parameter("diam_labels") ?? throw new InvalidOperationException("network has no diam_labels parameter");
        p.copy_(tensor(new[] { (float)diameter }).to(p.device));
    }

    // Held for the process's life: implicit Scalar temporaries can be finalised while a native call still reads them
    // (see BatchNormalization).
    private static readonly Scalar FlowScale = 5f.ToScalar(), Two = 2f.ToScalar(), Half = 0.5f.ToScalar();

    /// <summary>Cellpose's loss for a batch of network outputs against targets.</summary>
    public static Tensor Loss(Tensor output, Tensor flows, Tensor cellProb)
    {
        var flowLoss = nn.functional.mse_loss(output[.., ..2], flows * FlowScale) / Two;
        var probLoss = nn.functional.binary_cross_entropy_with_logits(output[.., 2], (cellProb > Half).to(ScalarType.Float32));
        return flowLoss + probLoss;
    }

    /// <summary>The loss of the current network on fixed (unaugmented-order) crops, without updating it.</summary>
    public double Evaluate(IReadOnlyList<AugmentedCrop> crops)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _net.eval();
        var (x, flows, prob) = Stack(crops);
        var (y, _) = _net.forward(x);
        return Loss(y, flows, prob).item<float>();
    }

    private double Step(SGD optimizer, double lr, AugmentedCrop[] crops)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var (x, flows, prob) = Stack(crops);
        var (y, _) = _net.forward(x);
        var loss = Loss(y, flows, prob);
        loss.backward();
        SgdStep.Apply(optimizer, lr, _options.Schedule.Momentum, _options.Schedule.WeightDecay);
        return loss.item<float>();
    }

    private (Tensor X, Tensor Flows, Tensor Prob) Stack(IReadOnlyList<AugmentedCrop> crops)
    {
        int n = crops.Count, size = crops[0].Size, plane = size * size;
        var f = new float[n * 2 * plane];
        var p = new float[n * plane];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(crops[i].FlowY, 0, f, (2 * i) * plane, plane);
            Array.Copy(crops[i].FlowX, 0, f, (2 * i + 1) * plane, plane);
            Array.Copy(crops[i].CellProb, 0, p, i * plane, plane);
        }
        return (ImageBatch(crops).to(_device), tensor(f, [n, 2, size, size]).to(_device), tensor(p, [n, size, size]).to(_device));
    }

    /// <summary>The crops' images as one [n, channels, size, size] batch (on the CPU).</summary>
    internal static Tensor ImageBatch(IReadOnlyList<AugmentedCrop> crops)
    {
        int n = crops.Count, c = crops[0].Channels, size = crops[0].Size, plane = size * size;
        var x = new float[n * c * plane];
        for (int i = 0; i < n; i++) Array.Copy(crops[i].Image, 0, x, i * c * plane, c * plane);
        return tensor(x, [n, c, size, size]);
    }

    /// <summary>Epoch <paramref name="epoch"/>'s image order: shuffled passes over the set, cut to <paramref name="perEpoch"/>.</summary>
    internal static int[] EpochOrder(int seed, int count, int perEpoch, int epoch)
    {
        var rng = new Random(Seeds.Mix(seed, epoch, -1));
        var order = new List<int>(perEpoch);
        while (order.Count < perEpoch)
        {
            var perm = Enumerable.Range(0, count).ToArray();
            rng.Shuffle(perm);
            order.AddRange(perm);
        }
        return order.Take(perEpoch).ToArray();
    }
}
