using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace AcqSeg.Engine.Network;

/// <summary>The four convolutions of an encoder block; a container only, named like Cellpose's nn.Sequential.</summary>
internal sealed class DownConvs : Module
{
    public readonly NormReluConv conv_0;
    public readonly NormReluConv conv_1;
    public readonly NormReluConv conv_2;
    public readonly NormReluConv conv_3;

    public DownConvs(long inChannels, long outChannels, long kernel) : base(nameof(DownConvs))
    {
        conv_0 = new NormReluConv(inChannels, outChannels, kernel);
        conv_1 = new NormReluConv(outChannels, outChannels, kernel);
        conv_2 = new NormReluConv(outChannels, outChannels, kernel);
        conv_3 = new NormReluConv(outChannels, outChannels, kernel);
        RegisterComponents();
    }
}

/// <summary>Cellpose's <c>resdown</c>: x = proj(x) + c1(c0(x)); x = x + c3(c2(x)).</summary>
internal sealed class ResidualDown : Module<Tensor, Tensor>
{
    private readonly DownConvs conv;
    private readonly NormConv proj;

    public ResidualDown(long inChannels, long outChannels, long kernel) : base(nameof(ResidualDown))
    {
        conv = new DownConvs(inChannels, outChannels, kernel);
        proj = new NormConv(inChannels, outChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y = proj.forward(x).add(conv.conv_1.forward(conv.conv_0.forward(x)), HeldScalars.One);
        return y.add(conv.conv_3.forward(conv.conv_2.forward(y)), HeldScalars.One).MoveToOuterDisposeScope();
    }
}

/// <summary>The convolutions of a decoder block; conv_1..conv_3 receive the style vector.</summary>
internal sealed class UpConvs : Module
{
    public readonly NormReluConv conv_0;
    public readonly StyleNormReluConv conv_1;
    public readonly StyleNormReluConv conv_2;
    public readonly StyleNormReluConv conv_3;

    public UpConvs(long inChannels, long outChannels, long styleChannels, long kernel) : base(nameof(UpConvs))
    {
        conv_0 = new NormReluConv(inChannels, outChannels, kernel);
        conv_1 = new StyleNormReluConv(outChannels, outChannels, styleChannels, kernel);
        conv_2 = new StyleNormReluConv(outChannels, outChannels, styleChannels, kernel);
        conv_3 = new StyleNormReluConv(outChannels, outChannels, styleChannels, kernel);
        RegisterComponents();
    }
}

/// <summary>Cellpose's <c>resup</c>: x = proj(x) + c1(style, c0(x) + skip); x = x + c3(style, c2(style, x)).</summary>
internal sealed class ResidualUp : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly UpConvs conv;
    private readonly NormConv proj;

    public ResidualUp(long inChannels, long outChannels, long styleChannels, long kernel) : base(nameof(ResidualUp))
    {
        conv = new UpConvs(inChannels, outChannels, styleChannels, kernel);
        proj = new NormConv(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <param name="x">decoder input</param>
    /// <param name="skip">encoder map of the same scale</param>
    /// <param name="style">normalised style [N, styleChannels]</param>
    public override Tensor forward(Tensor x, Tensor skip, Tensor style)
    {
        using var scope = NewDisposeScope();
        Tensor y = proj.forward(x).add(conv.conv_1.forward(style, conv.conv_0.forward(x).add(skip, HeldScalars.One)), HeldScalars.One);
        return y.add(conv.conv_3.forward(style, conv.conv_2.forward(style, y)), HeldScalars.One).MoveToOuterDisposeScope();
    }
}

/// <summary>Encoder blocks res_down_0..3 (Cellpose's <c>downsample.down</c>).</summary>
internal sealed class DownBlocks : Module
{
    public readonly ResidualDown res_down_0;
    public readonly ResidualDown res_down_1;
    public readonly ResidualDown res_down_2;
    public readonly ResidualDown res_down_3;

    public DownBlocks(IReadOnlyList<int> nbase, long kernel) : base(nameof(DownBlocks))
    {
        res_down_0 = new ResidualDown(nbase[0], nbase[1], kernel);
        res_down_1 = new ResidualDown(nbase[1], nbase[2], kernel);
        res_down_2 = new ResidualDown(nbase[2], nbase[3], kernel);
        res_down_3 = new ResidualDown(nbase[3], nbase[4], kernel);
        RegisterComponents();
    }
}

/// <summary>Encoder: MaxPool2d(2) before levels 1..3; returns the map of every level.</summary>
internal sealed class Encoder : Module<Tensor, Tensor[]>
{
    private readonly DownBlocks down;

    public Encoder(IReadOnlyList<int> nbase, long kernel) : base(nameof(Encoder))
    {
        down = new DownBlocks(nbase, kernel);
        RegisterComponents();
    }

    public override Tensor[] forward(Tensor x)
    {
        var maps = new Tensor[4];
        maps[0] = down.res_down_0.forward(x);
        maps[1] = down.res_down_1.forward(functional.max_pool2d(maps[0], 2, 2));
        maps[2] = down.res_down_2.forward(functional.max_pool2d(maps[1], 2, 2));
        maps[3] = down.res_down_3.forward(functional.max_pool2d(maps[2], 2, 2));
        return maps;
    }
}

/// <summary>Decoder blocks res_up_0..3 (Cellpose's <c>upsample.up</c>).</summary>
internal sealed class UpBlocks : Module
{
    public readonly ResidualUp res_up_0;
    public readonly ResidualUp res_up_1;
    public readonly ResidualUp res_up_2;
    public readonly ResidualUp res_up_3;

    /// <param name="nbaseup">nbase[1..] with its last entry repeated, e.g. [32, 64, 128, 256, 256]</param>
    public UpBlocks(IReadOnlyList<int> nbaseup, long styleChannels, long kernel) : base(nameof(UpBlocks))
    {
        res_up_0 = new ResidualUp(nbaseup[1], nbaseup[0], styleChannels, kernel);
        res_up_1 = new ResidualUp(nbaseup[2], nbaseup[1], styleChannels, kernel);
        res_up_2 = new ResidualUp(nbaseup[3], nbaseup[2], styleChannels, kernel);
        res_up_3 = new ResidualUp(nbaseup[4], nbaseup[3], styleChannels, kernel);
        RegisterComponents();
    }
}

/// <summary>Decoder: res_up_3 on the deepest map (skip = itself), then nearest 2x upsampling before each finer block.</summary>
internal sealed class Decoder : Module<Tensor, Tensor[], Tensor>
{
    private readonly UpBlocks up;

    public Decoder(IReadOnlyList<int> nbaseup, long styleChannels, long kernel) : base(nameof(Decoder))
    {
        up = new UpBlocks(nbaseup, styleChannels, kernel);
        RegisterComponents();
    }

    public override Tensor forward(Tensor style, Tensor[] maps)
    {
        using var scope = NewDisposeScope();
        Tensor x = up.res_up_3.forward(maps[3], maps[3], style);
        x = up.res_up_2.forward(Upsample2x(x), maps[2], style);
        x = up.res_up_1.forward(Upsample2x(x), maps[1], style);
        return up.res_up_0.forward(Upsample2x(x), maps[0], style).MoveToOuterDisposeScope();
    }

    private static Tensor Upsample2x(Tensor x) =>
        functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
}
