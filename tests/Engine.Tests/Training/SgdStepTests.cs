using AcqSeg.Engine.Network;
using AcqSeg.Engine.Tests.Inference;
using AcqSeg.Engine.Tests.Network;
using AcqSeg.Engine.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Tests.Training;

[Collection(NetworkRunCollection.Name)]
public class SgdStepTests
{
    private const double Lr = 0.002, Momentum = 0.9, WeightDecay = 1e-4;

    /// <summary>Runs <paramref name="steps"/> SgdStep steps of a small network on fixed random data; returns its weights.</summary>
    private static Dictionary<string, float[]> Train(int steps)
    {
        // One thread where this CPU's multi-threaded convolution backward is not repeatable (TrainingThreads).
        using var threads = TrainingThreads.Use(CPU);
        using var net = CellposeNet.Seeded(7, [2, 8, 16, 32, 64], diamMean: 30);
        net.train();
        // The data come from a generator of their own: the global one is shared with every test running beside.
        using var data = new Generator(7);
        using var x = torch.rand([4, 2, 64, 64], generator: data);
        using var target = torch.rand([4, 3, 64, 64], generator: data);
        using var optimizer = optim.SGD(net.parameters(), Lr, Momentum, weight_decay: WeightDecay);
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (y, _) = net.forward(x);
            (y - target).square().mean().backward();
            SgdStep.Apply(optimizer, Lr, Momentum, WeightDecay);
        }
        return net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void Apply_IsTorchsSgdWithMomentumAndWeightDecay_StateKeptInTheOptimiser()
    {
        using var p = new Parameter(torch.tensor(new float[] { 1f, -2f, 0.5f }));
        using var optimizer = optim.SGD([p], Lr, Momentum, weight_decay: WeightDecay);
        double[] w = [1, -2, 0.5], buf = new double[3];
        float[][] grads = [[0.3f, -0.1f, 2f], [-1f, 0.4f, 0.2f], [0.05f, 0.05f, -3f]];
        for (int step = 0; step < grads.Length; step++)
        {
            p.grad = torch.tensor(grads[step]);
            SgdStep.Apply(optimizer, Lr, Momentum, WeightDecay);
            for (int i = 0; i < 3; i++)
            {
                // torch.optim.SGD: d = g + wd * w; buf = d on the first step, else momentum * buf + d; w -= lr * buf.
                double d = grads[step][i] + WeightDecay * w[i];
                buf[i] = step == 0 ? d : Momentum * buf[i] + d;
                w[i] -= Lr * buf[i];
            }
            var actual = p.data<float>().ToArray();
            var momentum = ((SGD.State)optimizer.state_dict().State[0]).momentum_buffer.data<float>().ToArray();
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(w[i], actual[i], 5);
                Assert.Equal(buf[i], momentum[i], 5);
            }
        }
    }

    [Fact]
    public void Apply_UnderConstantGarbageCollection_GivesTheSameWeights()
    {
        var quiet = Train(20);
        Dictionary<string, float[]> stressed;
        using (new ConstantCollection()) stressed = Train(20);
        foreach (var (key, value) in quiet)
        {
            Assert.True(value.All(float.IsFinite) && stressed[key].All(float.IsFinite), $"{key} has non-finite values");
            Assert.True(value.SequenceEqual(stressed[key]), $"{key} differs");
        }
    }
}
