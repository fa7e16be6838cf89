using AcqSeg.Engine.Network;
using AcqSeg.Engine.Tests.Inference;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.TestSupport;
using TorchSharp;
using TorchSharp.Modules;

namespace AcqSeg.Engine.Tests.Training;

[Collection(NetworkRunCollection.Name)]
public class CellposeTrainerTests
{
    private static readonly int[] Tiny = [2, 8, 16, 32, 64];

    private static List<TrainingSample> Samples(int count, int seed = 0) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var f = SyntheticFrames.Generate(new SynthSettings { Height = 96, Width = 96, Diameter = 16, Density = 0.3, Seed = seed + i });
            return TrainingData.Prepare($"s{i}", f.Image, f.Masks, 0, 0);
        }).ToList();

    private static TrainOptions Options(int epochs, int seed = 1) => new()
    {
        Schedule = TrainSchedule.Online with { Epochs = epochs, WarmupEpochs = 2 },
        Seed = seed,
        CropSize = 64,
        CheckpointEvery = 1000,
        TestEvery = 0,
    };

    private static CellposeNet NewNet(int seed)
    {
        return CellposeNet.Seeded(seed, Tiny, diamMean: 16);
    }

    private static Dictionary<string, float[]> Weights(CellposeNet net) =>
        net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.cpu().to(torch.ScalarType.Float32).data<float>().ToArray());

    [Fact]
    public void Train_OnSyntheticNuclei_LossFalls()
    {
        using var net = NewNet(3);
        var reports = new List<EpochReport>();
        new CellposeTrainer(net, torch.CPU, Options(25)).Train(Samples(6), 0, CancellationToken.None, reports.Add, (_, _) => { });
        Assert.Equal(25, reports.Count);
        double first = reports.Take(3).Average(r => r.TrainLoss), last = reports.TakeLast(3).Average(r => r.TrainLoss);
        Assert.True(last < 0.7 * first, $"loss {first:0.000} -> {last:0.000}");
        Assert.All(reports, r => Assert.True(r.ImagesPerSecond > 0 && double.IsFinite(r.TrainLoss)));
    }

    [Fact]
    public void Train_RecordsTheLabelsMeanDiameter()
    {
        using var net = NewNet(1);
        var samples = Samples(3);
        new CellposeTrainer(net, torch.CPU, Options(1)).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });
        Assert.Equal(samples.Average(s => s.Diameter), net.DiamLabels, 3);
        Assert.Equal(16, net.DiamMean, 6);
    }

    [Fact]
    public void Train_SameSeed_GivesIdenticalWeights()
    {
        var samples = Samples(4);
        using var a = NewNet(5);
        using var b = NewNet(5);
        new CellposeTrainer(a, torch.CPU, Options(3)).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });
        new CellposeTrainer(b, torch.CPU, Options(3)).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });
        var wa = Weights(a);
        var wb = Weights(b);
        foreach (var (k, v) in wa) Assert.True(v.SequenceEqual(wb[k]), $"{k} differs");
    }

    [Fact]
    public void Train_GammaAugmentation_IsDeterministicForASeed_AndChangesWhatIsLearned()
    {
        var samples = Samples(4);
        using var plain = NewNet(5);
        using var a = NewNet(5);
        using var b = NewNet(5);
        new CellposeTrainer(plain, torch.CPU, Options(2)).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });
        new CellposeTrainer(a, torch.CPU, Options(2) with { MaxGamma = 2 }).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });
        new CellposeTrainer(b, torch.CPU, Options(2) with { MaxGamma = 2 }).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });
        var (wp, wa, wb) = (Weights(plain), Weights(a), Weights(b));
        foreach (var (k, v) in wa) Assert.True(v.SequenceEqual(wb[k]), $"{k} differs between two runs of the same seed");
        Assert.Contains(wa.Keys, k => !wa[k].SequenceEqual(wp[k]));
    }

    [Fact]
    public void Train_GammaBelowOne_IsRefused()
    {
        using var net = NewNet(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CellposeTrainer(net, torch.CPU, Options(1) with { MaxGamma = 0.5 }));
    }

    [Fact]
    public void Train_ResumedFromACheckpoint_EndsWhereAnUninterruptedRunEnds()
    {
        var samples = Samples(4);
        using var tmp = new TempFolder();
        using var straight = NewNet(7);
        new CellposeTrainer(straight, torch.CPU, Options(4)).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });

        using var first = NewNet(7);
        var opts = Options(4) with { CheckpointEvery = 2 };
        var stop = new CancellationTokenSource();
        try
        {
            new CellposeTrainer(first, torch.CPU, opts).Train(samples, 0, stop.Token, _ => { }, (next, optimizer) =>
            {
                TrainingCheckpoint.Save(tmp.Path, first, optimizer, new CheckpointInfo { NextEpoch = next, Epochs = 4, Schedule = "online", Seed = 1, Widths = Tiny });
                if (next == 2) stop.Cancel(); // killed after the first checkpoint
            });
        }
        catch (OperationCanceledException) { }

        var info = TrainingCheckpoint.TryRead(tmp.Path);
        Assert.NotNull(info);
        Assert.Equal(2, info.NextEpoch);
        AssertResumedRunEndsAt(straight, samples, opts, tmp.Path, info.NextEpoch);
    }

    /// <summary>Resumes from the checkpoint in <paramref name="folder"/> at <paramref name="startEpoch"/> and requires the
    /// weights of the uninterrupted run.</summary>
    private static void AssertResumedRunEndsAt(CellposeNet straight, List<TrainingSample> samples, TrainOptions options, string folder, int startEpoch)
    {
        using var resumed = CellposeWeights.LoadNetwork(Path.Combine(folder, TrainingCheckpoint.NetworkFile));
        new CellposeTrainer(resumed, torch.CPU, options).Train(samples, startEpoch, CancellationToken.None, _ => { }, (_, _) => { },
            restoreOptimizer: o => TrainingCheckpoint.RestoreOptimizer(folder, o));
        var ws = Weights(straight);
        var wr = Weights(resumed);
        foreach (var (k, v) in ws)
        {
            float max = v.Zip(wr[k], (x, y) => Math.Abs(x - y)).DefaultIfEmpty(0).Max();
            Assert.True(max < 1e-5f, $"{k} differs by {max}");
        }
    }

    [Fact]
    public void Train_CancelledBetweenEpochs_CheckpointsThatBoundary_AndResumesToTheUninterruptedWeights()
    {
        var samples = Samples(4);
        using var tmp = new TempFolder();
        using var straight = NewNet(7);
        new CellposeTrainer(straight, torch.CPU, Options(4)).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });

        // No periodic checkpoint before the end (CheckpointEvery 1000): the stop alone writes one.
        using var first = NewNet(7);
        var stop = new CancellationTokenSource();
        var saved = new List<int>();
        Assert.ThrowsAny<OperationCanceledException>(() => new CellposeTrainer(first, torch.CPU, Options(4)).Train(samples, 0, stop.Token,
            onEpoch: r =>
            {
                if (r.Epoch == 1) stop.Cancel(); // a stop during epoch 1: seen before epoch 2's first batch
            },
            checkpoint: (next, optimizer) =>
            {
                saved.Add(next);
                TrainingCheckpoint.Save(tmp.Path, first, optimizer, new CheckpointInfo { NextEpoch = next, Epochs = 4, Schedule = "online", Seed = 1, Widths = Tiny });
            }));
        Assert.Equal([2], saved);
        AssertResumedRunEndsAt(straight, samples, Options(4), tmp.Path, 2);
    }

    [Fact]
    public void Train_CancelledBeforeAnyEpochSinceTheResume_WritesNoCheckpoint()
    {
        var samples = Samples(2);
        using var net = NewNet(7);
        var saved = new List<int>();
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new CellposeTrainer(net, torch.CPU, Options(4)).Train(samples, 1, stop.Token, _ => { }, (next, _) => saved.Add(next)));
        Assert.Empty(saved);
    }

    private static List<AugmentedCrop> FixedCrops(IReadOnlyList<TrainingSample> samples, int count, int size = 64)
    {
        var rng = new Random(9);
        return Enumerable.Range(0, count).Select(i =>
        {
            var s = samples[i % samples.Count];
            return RandomRotateResize.Apply(s.Image, s.Channels, s.Height, s.Width, s.CellProb, s.FlowY, s.FlowX, 1.0, 0.5, size, rng);
        }).ToList();
    }

    [Fact]
    public void RecalibrateNorms_StaleRunningStatistics_EvalOutputBecomesTheBatchStatisticsOutput()
    {
        using var net = NewNet(3);
        var crops = FixedCrops(Samples(4), 8);
        using var x = CellposeTrainer.ImageBatch(crops);
        var trainer = new CellposeTrainer(net, torch.CPU, Options(1));
        using var _ = torch.no_grad();
        foreach (var norm in net.modules().OfType<BatchNormalization>())
        {
            norm.RunningMean.fill_(3f); // stale statistics, as after a run whose weights moved fast
            norm.RunningVar.fill_(0.01f);
        }

        float Gap()
        {
            net.train();
            var (withBatchStats, _) = net.forward(x);
            var saved = net.state_dict().Where(kv => kv.Key.Contains("running")).ToDictionary(kv => kv.Key, kv => kv.Value.clone());
            net.eval();
            var (withRunningStats, _) = net.forward(x);
            // forward in train mode moved the running values: put them back so the measurement leaves no trace
            foreach (var (k, v) in net.state_dict()) if (saved.TryGetValue(k, out var old)) v.copy_(old);
            return (withBatchStats - withRunningStats).abs().max().item<float>();
        }

        Assert.True(Gap() > 1f, "the stale statistics should change the output");
        trainer.RecalibrateNorms(crops);
        // Not zero: running variances are unbiased (n / (n - 1)), and the deepest level has only 8 x 8 x 8 values a channel.
        float after = Gap();
        Assert.True(after < 0.05f, $"after recalibration eval mode differs from batch statistics by {after}");
        Assert.False(net.training);
    }

    [Fact]
    public void RecalibrateNorms_SeveralBatches_RunningValuesAreTheMeanOfTheBatchStatistics()
    {
        using var net = NewNet(4);
        var crops = FixedCrops(Samples(5), 24);
        var opts = Options(1);
        new CellposeTrainer(net, torch.CPU, opts with { Schedule = opts.Schedule with { BatchSize = 8 } }).RecalibrateNorms(crops);

        // The first BatchNorm sees the input itself: its running mean is the mean over the three batches of each
        // batch's channel mean, its running variance the mean of the batches' (unbiased) variances.
        var first = net.modules().OfType<BatchNormalization>().First();
        for (int c = 0; c < 2; c++)
        {
            var batches = Enumerable.Range(0, 3).Select(b => crops.Skip(8 * b).Take(8).SelectMany(k => k.Image.Skip(c * 64 * 64).Take(64 * 64)).Select(v => (double)v).ToArray()).ToList();
            double mean = batches.Average(v => v.Average());
            double variance = batches.Average(v => { double m = v.Average(); return v.Sum(t => (t - m) * (t - m)) / (v.Length - 1); });
            Assert.Equal(mean, first.RunningMean[c].item<float>(), 4);
            Assert.Equal(variance, first.RunningVar[c].item<float>(), 4);
        }
        Assert.Equal(0.1, first.Momentum); // the module's own momentum is restored
    }

    [Fact]
    public void Train_EndsWithRecalibratedNorms_UnlessNormCropsIsZero()
    {
        var samples = Samples(3);
        using var kept = NewNet(5);
        using var recal = NewNet(5);
        new CellposeTrainer(kept, torch.CPU, Options(3) with { NormCrops = 0 }).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });
        new CellposeTrainer(recal, torch.CPU, Options(3) with { NormCrops = 16 }).Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { });
        var wk = Weights(kept);
        var wr = Weights(recal);
        foreach (var (k, v) in wk)
        {
            bool same = v.SequenceEqual(wr[k]);
            // Weights are the same run; only the running statistics (and their batch counter) differ.
            if (k.Contains("running") || k.Contains("num_batches")) Assert.False(same, $"{k} should be recomputed");
            else Assert.True(same, $"{k} should not change");
        }

        // Resumed at its end (a checkpoint registered as it is), a run trains nothing but still recomputes the statistics.
        using (torch.no_grad()) foreach (var norm in kept.modules().OfType<BatchNormalization>()) norm.RunningMean.fill_(3f);
        new CellposeTrainer(kept, torch.CPU, Options(3)).Train(samples, 3, CancellationToken.None, _ => Assert.Fail("no epoch should run"), (_, _) => { });
        Assert.All(kept.modules().OfType<BatchNormalization>(), norm => Assert.True(norm.RunningMean.ne(3f).any().item<bool>()));
    }

    [Fact]
    public void EpochOrder_FewerImagesThanTheSet_IsADifferentSubsetWithoutRepeatsEachEpoch()
    {
        var e0 = CellposeTrainer.EpochOrder(seed: 4, count: 50, perEpoch: 12, epoch: 0);
        var e1 = CellposeTrainer.EpochOrder(seed: 4, count: 50, perEpoch: 12, epoch: 1);
        Assert.Equal(12, e0.Length);
        Assert.Equal(12, e0.Distinct().Count());
        Assert.All(e0, i => Assert.InRange(i, 0, 49));
        Assert.NotEqual(e0.Order(), e1.Order());
        Assert.Equal(e0, CellposeTrainer.EpochOrder(seed: 4, count: 50, perEpoch: 12, epoch: 0));
    }

    [Fact]
    public void EpochOrder_MoreImagesThanTheSet_RepeatsEveryImageEvenly()
    {
        var order = CellposeTrainer.EpochOrder(seed: 1, count: 3, perEpoch: 8, epoch: 5);
        Assert.Equal(8, order.Length);
        var counts = order.GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 2, 3));
    }

    [Fact]
    public void Train_ImagesPerEpoch_LimitsTheImagesSeenAnEpoch()
    {
        using var net = NewNet(2);
        var samples = Samples(6);
        var reports = new List<EpochReport>();
        var opts = Options(1) with { Schedule = TrainSchedule.Offline with { Epochs = 1, ImagesPerEpoch = 3, MinTrainMasks = 1 } };
        new CellposeTrainer(net, torch.CPU, opts).Train(samples, 0, CancellationToken.None, reports.Add, (_, _) => { });
        var r = Assert.Single(reports);
        Assert.Equal(3, r.ImagesPerSecond * r.Seconds, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => (TrainSchedule.Offline with { ImagesPerEpoch = 0 }).Validate());
    }

    [Fact]
    public void Train_ImagesBelowMinTrainMasks_AreLeftOut_AndNoneLeftIsAClearError()
    {
        using var net = NewNet(2);
        var samples = Samples(3);
        var trainer = new CellposeTrainer(net, torch.CPU, Options(1) with { Schedule = TrainSchedule.Offline with { Epochs = 1, MinTrainMasks = 1000 } });
        Assert.Empty(trainer.Filter(samples));
        var ex = Assert.Throws<InvalidOperationException>(() => trainer.Train(samples, 0, CancellationToken.None, _ => { }, (_, _) => { }));
        Assert.Contains("1000", ex.Message);
    }

    [Fact]
    public void Loss_PerfectPrediction_IsOnlyTheProbabilityTermFloor()
    {
        // Flows predicted exactly (5x targets) leave the BCE term, which for logits of +/-20 is ~2e-9.
        var flows = torch.rand(2, 2, 8, 8);
        var prob = (torch.rand(2, 8, 8) > 0.5f).to(torch.ScalarType.Float32);
        var output = torch.cat([flows * 5f, ((prob * 2f - 1f) * 20f).unsqueeze(1)], 1);
        Assert.InRange(CellposeTrainer.Loss(output, flows, prob).item<float>(), 0f, 1e-6f);
        var wrong = torch.cat([torch.zeros(2, 2, 8, 8), torch.zeros(2, 1, 8, 8)], 1);
        float expected = (flows * 5f).pow(2).mean().item<float>() / 2f + MathF.Log(2f);
        Assert.Equal(expected, CellposeTrainer.Loss(wrong, flows, prob).item<float>(), 4);
    }
}
