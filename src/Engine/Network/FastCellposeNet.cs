using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AcqSeg.Engine.Network;

// Why two networks: CellposeNet is the TorchSharp Module that loads, trains and saves Cellpose's weights and runs the
// exact path (float32, Cellpose's arithmetic; `--exact` and the parity tests). Training needs it as it is (BatchNorm
// statistics, autograd). This class is the fast path's inference-only copy built from it, for speed on the CPU: norms
// and style terms folded into the convolutions, in-place ReLUs and adds, channels-last activations, bfloat16 where the
// CPU has native bf16 (DEVELOPERS.md, "The fast path and the exact path": 109 -> 337 GFLOP/s; a 512x512 frame's
// network pass 2.6 s -> 0.47 s together with larger tiles).
// What keeps them equal: FastPathTests (Segmentation.Tests/Inference) runs the same input through both:
// FoldedNetwork_Float32_MatchesCellposeNetOnTheSameInput (float32 outputs within 1e-3 max |difference|, style within
// 1e-5), FoldedNetwork_BFloat16_StaysCloseToFloat32 (mean |flow| difference < 0.1, mean |cellprob| < 0.2), and
// FastMasks_MatchExactMasks_OnReferenceFrames / FastPath_LargeFrameRunsAsBlendedTiles_MatchesExactMasks (masks match
// the exact path's with AP@0.5 >= 0.99); BatchedRunTests.FastNetwork_StackedTiles_MatchEachTileRunAlone keeps a stack
// of tiles (the service's batches) equal to each tile run alone. A change to CellposeNet's layers must be made here too,
// or these fail.

/// <summary>
/// An inference-only rewrite of a <see cref="CellposeNet"/> for the fast path: same function, fewer memory passes.
/// <list type="bullet">
/// <item>Every BatchNorm that directly follows a convolution (conv_1 and conv_3 of each block, and the 1x1 projections'
/// input norms) is folded into that convolution's weights and bias, exactly as eval-mode algebra allows.</item>
/// <item>The decoder's style terms (Linear(style) added before a norm) become a shift of that norm's running mean, or
/// part of a folded bias, so no separate broadcast add runs.</item>
/// <item>ReLUs and residual adds run in place; activations are kept channels-last (NHWC strides, which oneDNN's
/// convolutions prefer) and, when asked, in bfloat16 (convolutions accumulate in float32 inside oneDNN).</item>
/// </list>
/// A single tile runs with the style terms folded as above; a stack of tiles (frames batched by the service) runs in one
/// pass, each tile's style terms added per sample after its norm (<see cref="Norm.ReluForward"/>).
/// The source network is only read; this object owns its own converted tensors.
/// </summary>
public sealed class FastCellposeNet : IDisposable
{
    private readonly Level[] encoder;
    private readonly UpLevel[] decoder;
    private readonly Norm outputNorm;
    private readonly Conv outputConv;

    public FastCellposeNet(CellposeNet source, ScalarType precision, torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (precision is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "the fast path runs in Float32 or BFloat16");
        Precision = precision;
        Device = device;
        Widths = source.Widths;
        // Folding runs in float64 on the CPU; every kept tensor is detached from this scope, the rest is freed with it.
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var sd = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().to(ScalarType.Float64));
        encoder = Enumerable.Range(0, 4).Select(l => Level.From(sd, $"downsample.down.res_down_{l}.", this)).ToArray();
        decoder = Enumerable.Range(0, 4).Select(l => UpLevel.From(sd, $"upsample.up.res_up_{l}.", this)).ToArray();
        outputNorm = Norm.From(sd, "output.0.", this);
        outputConv = Conv.From(sd, "output.2.", this);
    }

    public ScalarType Precision { get; }
    public torch.Device Device { get; }
    public IReadOnlyList<int> Widths { get; }

    /// <summary>Runs tiles [N, C, H, W] (float32, any layout, on any device) in one pass, each with its own style; returns
    /// float32 outputs [N, 3, H, W] and styles [N, S].</summary>
    public (Tensor Output, Tensor Style) Forward(Tensor x)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        Tensor h = ChannelsLast(x.to(Device).to(Precision));
        var maps = new Tensor[4];
        for (int l = 0; l < 4; l++)
        {
            maps[l] = encoder[l].Forward(h);
            if (l < 3) h = F.max_pool2d(maps[l], 2, 2);
        }
        // Style in float32: global mean of the deepest map, L2-normalised (CPnet's make_style).
        Tensor deepest = maps[3].to(ScalarType.Float32);
        Tensor style = deepest.mean([2, 3]);
        style = style / style.pow(HeldScalars.Two).sum(1, keepdim: true).sqrt();

        Tensor y = decoder[3].Forward(maps[3], maps[3], style);
        for (int l = 2; l >= 0; l--)
            y = decoder[l].Forward(F.interpolate(y, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest), maps[l], style);
        Tensor output = outputConv.Forward(outputNorm.ReluForward(y));
        return (output.to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope(), style.MoveToOuterDisposeScope());
    }

    /// <summary>NHWC strides on an NCHW-shaped tensor (TorchSharp has no memory_format argument).</summary>
    private static Tensor ChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    private Tensor Keep(Tensor t) => t.to(Device).to(Precision);

    public void Dispose()
    {
        foreach (var l in encoder) l.Dispose();
        foreach (var l in decoder) l.Dispose();
        outputNorm.Dispose();
        outputConv.Dispose();
    }

    /// <summary>Eval-mode BatchNorm as scale and shift (float64 while folding).</summary>
    private sealed record BnParams(Tensor Scale, Tensor Shift, Tensor Mean, Tensor Var, Tensor Gamma, Tensor Beta, double Eps)
    {
        public static BnParams From(Dictionary<string, Tensor> sd, string prefix)
        {
            Tensor gamma = sd[prefix + "weight"], beta = sd[prefix + "bias"], mean = sd[prefix + "running_mean"], var = sd[prefix + "running_var"];
            const double eps = 1e-5;
            Tensor scale = gamma / (var + eps).sqrt();
            return new BnParams(scale, beta - mean * scale, mean, var, gamma, beta, eps);
        }
    }

    /// <summary>A BatchNorm followed by ReLU, run as one batch_norm call plus an in-place ReLU.</summary>
    private sealed class Norm : IDisposable
    {
        private readonly Tensor mean, var, gamma, beta, scale;
        private readonly double eps;

        private Norm(BnParams p, torch.Device device)
        {
            // batch_norm keeps its statistics and affine in float32 even for bfloat16 input.
            Tensor Keep32(Tensor t) => t.to(ScalarType.Float32).to(device).DetachFromDisposeScope();
            mean = Keep32(p.Mean);
            var = Keep32(p.Var);
            gamma = Keep32(p.Gamma);
            beta = Keep32(p.Beta);
            scale = Keep32(p.Scale);
            eps = p.Eps;
        }

        public static Norm From(Dictionary<string, Tensor> sd, string prefix, FastCellposeNet owner) =>
            new(BnParams.From(sd, prefix), owner.Device);

        /// <param name="meanShift">[N, C] terms added to x before the norm (the decoder's Linear(style)), or null</param>
        public Tensor ReluForward(Tensor x, Tensor? meanShift = null)
        {
            if (meanShift is null || meanShift.shape[0] == 1)
            {
                // One tile: BN(x + f) is batch_norm with running_mean - f, no extra pass over x.
                Tensor m = meanShift is null ? mean : mean - meanShift.to(ScalarType.Float32).flatten();
                return F.batch_norm(x, m, var, gamma, beta, false, 0.1, eps).relu_();
            }
            // A stack: the norm's statistics are shared, f is not; BN(x + f) = BN(x) + f * gamma / sqrt(var + eps).
            Tensor shift = (meanShift.to(ScalarType.Float32) * scale).to(x.dtype).view(meanShift.shape[0], -1, 1, 1);
            return F.batch_norm(x, mean, var, gamma, beta, false, 0.1, eps).add_(shift, HeldScalars.One).relu_();
        }

        public void Dispose()
        {
            mean.Dispose();
            var.Dispose();
            gamma.Dispose();
            beta.Dispose();
            scale.Dispose();
        }
    }

    /// <summary>A convolution with weights (and bias) already folded and converted.</summary>
    private sealed class Conv : IDisposable
    {
        public Conv(Tensor weight, Tensor bias, long padding)
        {
            Weight = weight;
            Bias = bias;
            Padding = padding;
        }

        public Tensor Weight { get; }
        public Tensor Bias { get; }
        public long Padding { get; }

        public static Conv From(Dictionary<string, Tensor> sd, string prefix, FastCellposeNet owner) =>
            owner.MakeConv(sd[prefix + "weight"], sd[prefix + "bias"]);

        public Tensor Forward(Tensor x) => F.conv2d(x, Weight, Bias, padding: [Padding, Padding]);

        public void Dispose()
        {
            Weight.Dispose();
            Bias.Dispose();
        }
    }

    private Conv MakeConv(Tensor weight, Tensor bias) =>
        new(Keep(weight).DetachFromDisposeScope(), Keep(bias).DetachFromDisposeScope(), weight.shape[2] / 2);

    /// <summary>conv then an eval BatchNorm: W' = W * s (per output channel), b' = b * s + t.</summary>
    private Conv FoldOutputNorm(Tensor weight, Tensor bias, BnParams bn) =>
        MakeConv(weight * bn.Scale.view(-1, 1, 1, 1), bias * bn.Scale + bn.Shift);

    /// <summary>An eval BatchNorm then a 1x1 conv (no ReLU between, no padding): W' = W * s (per input channel), b' = b + W t.</summary>
    private Conv FoldInputNorm1x1(Tensor weight, Tensor bias, BnParams bn)
    {
        Tensor w2 = weight.flatten(1);
        return MakeConv(weight * bn.Scale.view(1, -1, 1, 1), bias + w2.matmul(bn.Shift));
    }

    /// <summary>Encoder block (Cellpose's resdown) with conv_1's and conv_3's norms folded into conv_0 and conv_2.</summary>
    private sealed class Level : IDisposable
    {
        private readonly Conv proj;
        private readonly Norm n0, n2;
        private readonly Conv c0, c1, c2, c3;

        private Level(Conv proj, Norm n0, Conv c0, Conv c1, Norm n2, Conv c2, Conv c3)
        {
            this.proj = proj;
            this.n0 = n0;
            this.c0 = c0;
            this.c1 = c1;
            this.n2 = n2;
            this.c2 = c2;
            this.c3 = c3;
        }

        public static Level From(Dictionary<string, Tensor> sd, string p, FastCellposeNet o)
        {
            string c = p + "conv.";
            return new Level(
                o.FoldInputNorm1x1(sd[p + "proj.1.weight"], sd[p + "proj.1.bias"], BnParams.From(sd, p + "proj.0.")),
                Norm.From(sd, c + "conv_0.0.", o),
                o.FoldOutputNorm(sd[c + "conv_0.2.weight"], sd[c + "conv_0.2.bias"], BnParams.From(sd, c + "conv_1.0.")),
                Conv.From(sd, c + "conv_1.2.", o),
                Norm.From(sd, c + "conv_2.0.", o),
                o.FoldOutputNorm(sd[c + "conv_2.2.weight"], sd[c + "conv_2.2.bias"], BnParams.From(sd, c + "conv_3.0.")),
                Conv.From(sd, c + "conv_3.2.", o));
        }

        public Tensor Forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            Tensor y = c1.Forward(c0.Forward(n0.ReluForward(x)).relu_()).add_(proj.Forward(x), HeldScalars.One);
            Tensor z = c3.Forward(c2.Forward(n2.ReluForward(y)).relu_()).add_(y, HeldScalars.One);
            return z.MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            proj.Dispose();
            n0.Dispose();
            c0.Dispose();
            c1.Dispose();
            n2.Dispose();
            c2.Dispose();
            c3.Dispose();
        }
    }

    /// <summary>Decoder block (Cellpose's resup); the Linear(style) terms become norm mean shifts or folded biases.</summary>
    private sealed class UpLevel : IDisposable
    {
        private readonly FastCellposeNet owner;
        private readonly Conv proj;
        private readonly Norm n0, n1, n2;
        private readonly Conv c0, c1, c3;
        // conv_2 with conv_3's norm folded in; its bias depends on the style, so the float64 pieces are kept.
        private readonly Tensor c2Weight, c2Bias64, n3Scale64, n3Shift64;
        private readonly Tensor[] fullW, fullB; // Linear(style) of conv_1..conv_3, float32

        private UpLevel(FastCellposeNet owner, Conv proj, Norm n0, Conv c0, Norm n1, Conv c1, Norm n2,
            Tensor c2Weight, Tensor c2Bias64, Tensor n3Scale64, Tensor n3Shift64, Conv c3, Tensor[] fullW, Tensor[] fullB)
        {
            this.owner = owner;
            this.proj = proj;
            this.n0 = n0;
            this.c0 = c0;
            this.n1 = n1;
            this.c1 = c1;
            this.n2 = n2;
            this.c2Weight = c2Weight;
            this.c2Bias64 = c2Bias64;
            this.n3Scale64 = n3Scale64;
            this.n3Shift64 = n3Shift64;
            this.c3 = c3;
            this.fullW = fullW;
            this.fullB = fullB;
        }

        public static UpLevel From(Dictionary<string, Tensor> sd, string p, FastCellposeNet o)
        {
            string c = p + "conv.";
            var bn3 = BnParams.From(sd, c + "conv_3.conv.0.");
            Tensor Keep64(Tensor t) => t.to(o.Device).DetachFromDisposeScope();
            Tensor Keep32(Tensor t) => t.to(ScalarType.Float32).to(o.Device).DetachFromDisposeScope();
            return new UpLevel(o,
                o.FoldInputNorm1x1(sd[p + "proj.1.weight"], sd[p + "proj.1.bias"], BnParams.From(sd, p + "proj.0.")),
                Norm.From(sd, c + "conv_0.0.", o),
                Conv.From(sd, c + "conv_0.2.", o),
                Norm.From(sd, c + "conv_1.conv.0.", o),
                Conv.From(sd, c + "conv_1.conv.2.", o),
                Norm.From(sd, c + "conv_2.conv.0.", o),
                o.Keep(sd[c + "conv_2.conv.2.weight"] * bn3.Scale.view(-1, 1, 1, 1)).DetachFromDisposeScope(),
                Keep64(sd[c + "conv_2.conv.2.bias"]), Keep64(bn3.Scale), Keep64(bn3.Shift),
                Conv.From(sd, c + "conv_3.conv.2.", o),
                [Keep32(sd[c + "conv_1.full.weight"]), Keep32(sd[c + "conv_2.full.weight"]), Keep32(sd[c + "conv_3.full.weight"])],
                [Keep32(sd[c + "conv_1.full.bias"]), Keep32(sd[c + "conv_2.full.bias"]), Keep32(sd[c + "conv_3.full.bias"])]);
        }

        /// <param name="style">float32 [N, S], one row per tile</param>
        public Tensor Forward(Tensor x, Tensor skip, Tensor style)
        {
            using var scope = NewDisposeScope();
            long n = style.shape[0];
            Tensor f1 = F.linear(style, fullW[0], fullB[0]);
            Tensor f2 = F.linear(style, fullW[1], fullB[1]);
            Tensor f3 = F.linear(style, fullW[2], fullB[2]).to(ScalarType.Float64);
            Tensor y = c1.Forward(n1.ReluForward(c0.Forward(n0.ReluForward(x)).add_(skip, HeldScalars.One), f1)).add_(proj.Forward(x), HeldScalars.One);
            // conv_3's norm of (conv_2(h) + f3): s * (W h + b + f3) + t, folded into conv_2's bias (one per tile).
            Tensor bias2 = owner.Keep((n3Scale64 * f3).add_(c2Bias64 * n3Scale64, HeldScalars.One).add_(n3Shift64, HeldScalars.One));
            Tensor h = n == 1
                ? F.conv2d(n2.ReluForward(y, f2), c2Weight, bias2.flatten(), padding: [1, 1])
                : F.conv2d(n2.ReluForward(y, f2), c2Weight, null, padding: [1, 1]).add_(bias2.view(n, -1, 1, 1), HeldScalars.One);
            return c3.Forward(h.relu_()).add_(y, HeldScalars.One).MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            proj.Dispose();
            n0.Dispose();
            c0.Dispose();
            n1.Dispose();
            c1.Dispose();
            n2.Dispose();
            c2Weight.Dispose();
            c2Bias64.Dispose();
            n3Scale64.Dispose();
            n3Shift64.Dispose();
            c3.Dispose();
            foreach (var t in fullW) t.Dispose();
            foreach (var t in fullB) t.Dispose();
        }
    }
}
