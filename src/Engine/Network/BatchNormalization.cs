using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace AcqSeg.Engine.Network;

/// <summary>
/// PyTorch's BatchNorm2d: the same state (weight, bias, running_mean, running_var, num_batches_tracked, so Cellpose's
/// state-dict names hold) and the same forward. Why not TorchSharp's BatchNorm2d: its forward counts batches with
/// <c>num_batches_tracked.add_(1)</c>, and the Scalar temporaries of that call can be finalised by the GC while the
/// native add still reads them; long training runs here died twice that way ("alpha must not be a floating point
/// number", "Scalar.toLong"). This one keeps its Scalar for its whole life.
/// </summary>
public sealed class BatchNormalization : Module<Tensor, Tensor>
{
    private readonly Scalar _one = 1L.ToScalar();

    public BatchNormalization(long features, double eps = 1e-5, double momentum = 0.1) : base(nameof(BatchNormalization))
    {
        Eps = eps;
        Momentum = momentum;
        // State by name only (no tensor fields): module.to(device) swaps the registered tensors. PyTorch's order.
        register_parameter("weight", new Parameter(ones(features)));
        register_parameter("bias", new Parameter(zeros(features)));
        register_buffer("running_mean", zeros(features), persistent: true);
        register_buffer("running_var", ones(features), persistent: true);
        register_buffer("num_batches_tracked", tensor(0L), persistent: true);
    }

    public double Eps { get; }

    /// <summary>Weight of the newest batch in the running statistics (PyTorch's momentum).</summary>
    public double Momentum { get; set; }

    public Tensor RunningMean => get_buffer("running_mean")!;
    public Tensor RunningVar => get_buffer("running_var")!;
    public Tensor BatchesTracked => get_buffer("num_batches_tracked")!;

    /// <summary>Running mean 0, variance 1, no batches counted (PyTorch's reset_running_stats).</summary>
    public void ResetRunningStats()
    {
        using var _ = no_grad();
        RunningMean.zero_();
        RunningVar.fill_(_one);
        BatchesTracked.zero_();
    }

    public override Tensor forward(Tensor input)
    {
        if (training)
        {
            using var _ = no_grad();
            BatchesTracked.add_(_one, _one);
        }
        return functional.batch_norm(input, RunningMean, RunningVar, get_parameter("weight"), get_parameter("bias"), training, Momentum, Eps);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _one.Dispose();
        base.Dispose(disposing);
    }
}
