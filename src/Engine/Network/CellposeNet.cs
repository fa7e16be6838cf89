using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace AcqSeg.Engine.Network;

/// <summary>
/// Cellpose v2's CPnet (residual on, style on, no concatenation): a 4-level residual U-net whose decoder receives an
/// L2-normalised style vector (global average of the deepest map). Output channels: [dY, dX, cellprob logit].
/// The state dict has exactly Cellpose's key names and shapes, so its .pth files load and save unchanged.
/// </summary>
public sealed class CellposeNet : Module<Tensor, (Tensor Output, Tensor Style)>
{
    /// <summary>Widths of Cellpose's released networks: 2 input channels, then 32, 64, 128, 256.</summary>
    public static IReadOnlyList<int> DefaultWidths { get; } = [2, 32, 64, 128, 256];

    public const int OutputChannels = 3;
    public const int KernelSize = 3;

    // Field order = registration order = Cellpose's state-dict order (own parameters first, then children).
    private readonly Parameter diam_mean;
    private readonly Parameter diam_labels;
    private readonly Encoder downsample;
    private readonly Decoder upsample;
    private readonly NormReluConv output;

    /// <param name="nbase">[input channels, width 1..4], e.g. <see cref="DefaultWidths"/> or a narrower [2, 16, 32, 64, 128].</param>
    /// <param name="diamMean">initial diam_mean (and diam_labels); a loaded file overwrites both.</param>
    public CellposeNet(IReadOnlyList<int>? nbase = null, double diamMean = 30.0) : base(nameof(CellposeNet))
    {
        // Every network of the product is built here first: NNPACK goes off before any convolution runs.
        Nnpack.Disable();
        nbase ??= DefaultWidths;
        if (nbase.Count != 5 || nbase.Any(n => n < 1))
            throw new ArgumentException($"nbase must be 5 positive widths [channels, w1, w2, w3, w4]; got [{string.Join(", ", nbase)}]", nameof(nbase));
        Widths = nbase.ToArray();
        int[] nbaseup = [nbase[1], nbase[2], nbase[3], nbase[4], nbase[4]];

        diam_mean = new Parameter(torch.full(1, diamMean, ScalarType.Float32), requires_grad: false);
        diam_labels = new Parameter(torch.full(1, diamMean, ScalarType.Float32), requires_grad: false);
        downsample = new Encoder(nbase, KernelSize);
        upsample = new Decoder(nbaseup, nbase[4], KernelSize);
        output = new NormReluConv(nbaseup[0], OutputChannels, 1);
        RegisterComponents();
    }

    /// <summary>
    /// A network whose initial weights follow from <paramref name="seed"/> alone. They are drawn again from a generator
    /// of its own, not torch's one global generator: anything else in the process that draws from that one (another
    /// network built, a seed set for a training run, a test) would otherwise take draws in between. Training from
    /// scratch is then reproducible in a process that segments or trains beside it. The distributions are torch's
    /// defaults for convolutions and linear layers (weight and bias uniform within 1/sqrt(fan_in)); norms start at 1
    /// and 0 as built.
    /// </summary>
    public static CellposeNet Seeded(int seed, IReadOnlyList<int>? nbase = null, double diamMean = 30.0)
    {
        var net = new CellposeNet(nbase, diamMean);
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = torch.no_grad();
        // modules() walks in registration order, so the draws land on the same tensors every time.
        foreach (var module in net.modules())
        {
            var own = module.named_parameters(recurse: false).ToDictionary(p => p.name, p => p.parameter);
            if (!own.TryGetValue("weight", out var weight) || weight.dim() < 2) continue;
            long fanIn = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            double bound = 1.0 / Math.Sqrt(fanIn);
            Redraw(weight, bound, generator);
            if (own.TryGetValue("bias", out var bias)) Redraw(bias, bound, generator);
        }
        return net;
    }

    private static void Redraw(Tensor parameter, double bound, Generator generator)
    {
        using var u = torch.rand(parameter.shape, parameter.dtype, generator: generator);
        parameter.copy_(u.mul_(2 * bound).sub_(bound));
    }

    /// <summary>[input channels, w1..w4] this network was built with.</summary>
    public IReadOnlyList<int> Widths { get; }

    public int InputChannels => Widths[0];

    /// <summary>Length of the style vector (the deepest width).</summary>
    public int StyleLength => Widths[4];

    /// <summary>Mean object diameter the training images were rescaled to.</summary>
    public double DiamMean => diam_mean.cpu().item<float>();

    /// <summary>
    /// Fine-tunes at another object scale: training and inference rescale objects to <paramref name="value"/> px from
    /// now on. The weights are unchanged, so they first see objects at a size they were not trained for.
    /// </summary>
    public void SetDiamMean(double value)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "diam_mean must be a positive number of pixels");
        using var _ = torch.no_grad();
        diam_mean.fill_(value);
    }

    /// <summary>Mean object diameter of the training labels (before rescaling).</summary>
    public double DiamLabels => diam_labels.cpu().item<float>();

    /// <param name="x">[N, InputChannels, H, W], H and W multiples of 8.</param>
    /// <returns>Output [N, 3, H, W] and the L2-normalised style [N, StyleLength].</returns>
    public override (Tensor Output, Tensor Style) forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor[] maps = downsample.forward(x);
        Tensor style = MakeStyle(maps[3]);
        Tensor y = output.forward(upsample.forward(style, maps));
        return (y.MoveToOuterDisposeScope(), style.MoveToOuterDisposeScope());
    }

    private static Tensor MakeStyle(Tensor deepest)
    {
        Tensor pooled = functional.avg_pool2d(deepest, [deepest.shape[2], deepest.shape[3]]).flatten(1);
        return pooled / pooled.pow(HeldScalars.Two).sum(1, keepdim: true).pow(HeldScalars.Half);
    }
}
