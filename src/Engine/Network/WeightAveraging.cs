using static TorchSharp.torch;

namespace AcqSeg.Engine.Network;

/// <summary>
/// A network whose weights lie on the line between two networks of the same shape: (1 - t) A + t B, for every floating
/// tensor, batch-norm running statistics and diam_labels included (the batch counter is A's). Between a model and its
/// own fine-tune (one lineage, so the two sit in one basin of the loss) this can keep what each does better: Wortsman
/// et al.'s WiSE-FT (2022); docs/zoo-training.md has the nuclei average of session 12 (scored, not shipped). Networks with different widths or diam_mean
/// are refused: their weights do not mean the same things.
/// </summary>
public static class WeightAveraging
{
    public static CellposeNet Interpolate(CellposeNet a, CellposeNet b, double t)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "the weight of the second network must be in [0, 1]");
        if (!a.Widths.SequenceEqual(b.Widths))
            throw new ArgumentException($"widths differ: [{string.Join(", ", a.Widths)}] and [{string.Join(", ", b.Widths)}]; widen the narrower first (train --widths)", nameof(b));
        if (Math.Abs(a.DiamMean - b.DiamMean) > 1e-6)
            throw new ArgumentException($"diam_mean differs: {a.DiamMean} and {b.DiamMean}; the networks were trained at different object sizes", nameof(b));

        var result = new CellposeNet(a.Widths, a.DiamMean);
        var sa = a.state_dict();
        var sb = b.state_dict();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (key, target) in result.state_dict())
        {
            var x = sa[key].to(target.device);
            var y = sb[key].to(target.device);
            if (!x.shape.SequenceEqual(y.shape))
                throw new ArgumentException($"{key}: shape [{string.Join(", ", x.shape)}] against [{string.Join(", ", y.shape)}]", nameof(b));
            target.copy_(target.is_floating_point() ? x * (1 - t) + y * t : x);
        }
        return result;
    }
}
