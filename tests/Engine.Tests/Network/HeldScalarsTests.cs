using AcqSeg.Engine.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Tests.Network;

/// <summary>
/// Forward passes under a collector that runs all the time: with TorchSharp's temporary Scalars (a + b, x.pow(2)) the
/// finaliser could free a Scalar while the native call read it; the network's arithmetic now uses held ones.
/// </summary>
public class HeldScalarsTests
{
    [Fact]
    public void ForwardPasses_SurviveConstantGarbageCollection()
    {
        using var net = CellposeNet.Seeded(3, [2, 8, 16, 32, 64], diamMean: 30);
        net.eval();
        using var fast = new FastCellposeNet(net, ScalarType.Float32, CPU);
        using var x = torch.rand(1, 2, 32, 32);
        using (new ConstantCollection())
        {
            using var noGrad = torch.no_grad();
            var (first, _) = net.forward(x);
            using var reference = first;
            for (int i = 0; i < 400; i++)
            {
                using var scope = NewDisposeScope();
                var (y, style) = net.forward(x);
                Assert.True(y.allclose(reference), $"pass {i} differs");
                Assert.Equal(1.0, (style * style).sum().item<float>(), 4);
                var (z, _) = fast.Forward(x);
                Assert.True(z.allclose(reference, rtol: 1e-3, atol: 1e-3), $"fast pass {i} differs");
            }
        }
    }
}
