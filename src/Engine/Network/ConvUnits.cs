using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace AcqSeg.Engine.Network;

/// <summary>
/// Cellpose's <c>batchconv</c>: BatchNorm -> ReLU -> Conv2d (padding k/2, with bias). The original is an
/// nn.Sequential, so its state keys are "0" (norm) and "2" (conv); the ReLU at index 1 has no state.
/// </summary>
internal sealed class NormReluConv : Module<Tensor, Tensor>
{
    [ComponentName(Name = "0")] private readonly BatchNormalization norm;
    [ComponentName(Name = "2")] private readonly Conv2d conv;

    public NormReluConv(long inChannels, long outChannels, long kernel) : base(nameof(NormReluConv))
    {
        norm = new BatchNormalization(inChannels, eps: 1e-5, momentum: 0.1);
        conv = Conv2d(inChannels, outChannels, kernel, padding: kernel / 2, bias: true);
        RegisterComponents();
    }

    // Each unit frees its temporaries at once: a network-wide dispose scope would otherwise hold every intermediate
    // map of the whole pass (gigabytes for a batch of 224x224 tiles). Autograd keeps what backward needs natively.
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return conv.forward(functional.relu(norm.forward(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>Cellpose's <c>batchconv0</c> (used for the 1x1 residual projections): BatchNorm -> Conv2d; keys "0" and "1".</summary>
internal sealed class NormConv : Module<Tensor, Tensor>
{
    [ComponentName(Name = "0")] private readonly BatchNormalization norm;
    [ComponentName(Name = "1")] private readonly Conv2d conv;

    public NormConv(long inChannels, long outChannels, long kernel) : base(nameof(NormConv))
    {
        norm = new BatchNormalization(inChannels, eps: 1e-5, momentum: 0.1);
        conv = Conv2d(inChannels, outChannels, kernel, padding: kernel / 2, bias: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return conv.forward(norm.forward(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Cellpose's <c>batchconvstyle</c> without concatenation: adds Linear(style) as a per-channel bias to the input,
/// then BN -> ReLU -> conv. A skip connection, when present, is added by the caller before this (same order).
/// </summary>
internal sealed class StyleNormReluConv : Module<Tensor, Tensor, Tensor>
{
    private readonly NormReluConv conv;
    private readonly Linear full;

    public StyleNormReluConv(long inChannels, long outChannels, long styleChannels, long kernel) : base(nameof(StyleNormReluConv))
    {
        conv = new NormReluConv(inChannels, outChannels, kernel);
        full = Linear(styleChannels, outChannels);
        RegisterComponents();
    }

    /// <param name="style">[N, styleChannels]</param>
    /// <param name="x">[N, C, H, W]</param>
    public override Tensor forward(Tensor style, Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor feat = full.forward(style);
        return conv.forward(x.add(feat.unsqueeze(-1).unsqueeze(-1), HeldScalars.One)).MoveToOuterDisposeScope();
    }
}
