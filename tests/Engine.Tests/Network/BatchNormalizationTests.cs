using AcqSeg.Engine.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Tests.Network;

public class BatchNormalizationTests
{
    private static (BatchNormalization Ours, TorchSharp.Modules.BatchNorm2d Torch) Pair(long features)
    {
        var ours = new BatchNormalization(features, eps: 1e-5, momentum: 0.1);
        var theirs = nn.BatchNorm2d(features, eps: 1e-5, momentum: 0.1);
        using var _ = no_grad();
        var w = randn(features);
        var b = randn(features);
        ours.get_parameter("weight")!.copy_(w);
        ours.get_parameter("bias")!.copy_(b);
        theirs.weight!.copy_(w);
        theirs.bias!.copy_(b);
        return (ours, theirs);
    }

    [Fact]
    public void StateNames_AreTorchBatchNorm2ds_InTheSameOrder()
    {
        var (ours, theirs) = Pair(4);
        Assert.Equal(theirs.state_dict().Keys, ours.state_dict().Keys);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], ours.state_dict().Keys);
    }

    [Fact]
    public void TrainAndEvalForward_MatchTorchBatchNorm2d_IncludingRunningStatistics()
    {
        manual_seed(3);
        var (ours, theirs) = Pair(5);
        ours.train();
        theirs.train();
        for (int step = 0; step < 3; step++)
        {
            var x = randn(4, 5, 6, 7) * (step + 1) + step;
            Assert.True(ours.forward(x).allclose(theirs.forward(x), rtol: 1e-5, atol: 1e-6), $"train-mode output differs at step {step}");
        }
        Assert.True(ours.RunningMean.allclose(theirs.running_mean!, rtol: 1e-5, atol: 1e-6));
        Assert.True(ours.RunningVar.allclose(theirs.running_var!, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(3L, ours.BatchesTracked.item<long>());
        Assert.Equal(theirs.num_batches_tracked!.item<long>(), ours.BatchesTracked.item<long>());

        ours.eval();
        theirs.eval();
        var y = randn(2, 5, 3, 3);
        Assert.True(ours.forward(y).allclose(theirs.forward(y), rtol: 1e-5, atol: 1e-6), "eval-mode output differs");
        Assert.Equal(3L, ours.BatchesTracked.item<long>()); // eval counts no batch
    }

    [Fact]
    public void ResetRunningStats_GivesMeanZeroVarianceOneNoBatches()
    {
        var (ours, _) = Pair(3);
        ours.train();
        ours.forward(randn(2, 3, 4, 4) + 5);
        ours.ResetRunningStats();
        Assert.Equal(0f, ours.RunningMean.abs().max().item<float>());
        Assert.Equal(1f, ours.RunningVar.min().item<float>());
        Assert.Equal(1f, ours.RunningVar.max().item<float>());
        Assert.Equal(0L, ours.BatchesTracked.item<long>());
    }
}
