using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Training;

/// <summary>
/// One step of torch.optim.SGD (momentum, weight decay, no dampening, no Nesterov) on the state of a TorchSharp
/// <see cref="SGD"/>, whose momentum buffers therefore save and load as before (optimizer.pth). TorchSharp 0.107's own
/// step passes momentum, weight decay and -lr as temporary Scalars that the finaliser may free while the native call
/// reads them: a test run here ended with NaN weights and two runs that should have been identical differed. Here every
/// Scalar lives until the step ends. Same operations in the same order as TorchSharp's step, so the same numbers.
/// </summary>
public static class SgdStep
{
    public static void Apply(SGD optimizer, double learningRate, double momentum, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        using var decay = weightDecay.ToScalar();
        using var keep = momentum.ToScalar();
        using var one = 1.0.ToScalar();
        using var descent = (-learningRate).ToScalar();
        // The optimiser's state objects themselves, in parameter order (state_dict does not copy them).
        var states = optimizer.state_dict().State;
        int i = 0;
        // parameters() lists the groups' parameters in the order state_dict lists their states.
        foreach (var parameter in optimizer.parameters())
        {
            var state = (SGD.State)states[i++];
            var grad = parameter.grad;
            if (grad is null) continue;
            if (weightDecay != 0) grad = grad.add(parameter, decay);
            if (momentum != 0)
            {
                if (state.momentum_buffer is null) state.momentum_buffer = grad.clone().detach().DetachFromDisposeScope();
                else state.momentum_buffer.mul_(keep).add_(grad, one);
                grad = state.momentum_buffer;
            }
            parameter.add_(grad, descent);
        }
    }
}
