using AcqSeg.Imaging.Dynamics;

namespace AcqSeg.Imaging.Tests.Dynamics;

public sealed class MaskFlowsTests
{
    [Fact]
    public void FlowsFromMasks_SingleDisc_PointsTowardsTheCentreWithUnitLength()
    {
        var masks = new TestMasks(25, 25).Disc(1, 12, 12, 8).Image();

        var flows = MaskDynamics.FlowsFromMasks(masks);

        for (int y = 0; y < 25; y++)
        {
            for (int x = 0; x < 25; x++)
            {
                int i = y * 25 + x;
                float fy = flows.DY[i], fx = flows.DX[i];
                if (masks.Labels[i] == 0)
                {
                    Assert.Equal(0f, fy);
                    Assert.Equal(0f, fx);
                    continue;
                }
                double ry = 12 - y, rx = 12 - x, r = Math.Sqrt(ry * ry + rx * rx);
                if (r < 2) continue;
                Assert.Equal(1.0, Math.Sqrt(fy * fy + fx * fx), 5);
                double cosine = (fy * ry + fx * rx) / r;
                Assert.True(cosine > 0.7, $"flow at ({y},{x}) = ({fy},{fx}) does not point to the centre (cosine {cosine:F3})");
            }
        }
    }

    [Fact]
    public void FlowsFromMasks_Bar_PointsToItsMiddleAndIsZeroThere()
    {
        var masks = new TestMasks(3, 5).Rect(4, 1, 1, 2, 4).Image();

        var flows = MaskDynamics.FlowsFromMasks(masks);

        Assert.Equal([0f, 0f, 0f], flows.DY.AsSpan(6, 3).ToArray());
        Assert.Equal([1f, 0f, -1f], flows.DX.AsSpan(6, 3).ToArray());
    }

    /// <summary>
    /// 2x2 block: the centre is its first pixel, 4 iterations leave v = 1261/6561 on every pixel, and log(1 + T) is
    /// applied one row down and one column right of each pixel (Cellpose's CPU indexing), so only the bottom-right
    /// pixel holds L = log(1 + v). The gradients are (v, v), (L, -v), (-v, L), (-v, -v) before normalising, not the
    /// four symmetric diagonals that log at the pixel itself would give.
    /// </summary>
    [Fact]
    public void FlowsFromMasks_TwoByTwoBlock_ReproducesCellposeLogIndexQuirk()
    {
        var masks = new TestMasks(4, 4).Rect(1, 1, 1, 3, 3).Image();

        var flows = MaskDynamics.FlowsFromMasks(masks);

        double v = 1261.0 / 6561.0, l = Math.Log(1 + v), n = Math.Sqrt(l * l + v * v);
        (int Y, int X, double Dy, double Dx)[] expected =
        [
            (1, 1, v / (v * Math.Sqrt(2)), v / (v * Math.Sqrt(2))),
            (1, 2, l / n, -v / n),
            (2, 1, -v / n, l / n),
            (2, 2, -v / (v * Math.Sqrt(2)), -v / (v * Math.Sqrt(2))),
        ];
        foreach (var (y, x, dy, dx) in expected)
        {
            Assert.Equal((float)dy, flows.DY[y * 4 + x]);
            Assert.Equal((float)dx, flows.DX[y * 4 + x]);
        }
    }

    [Fact]
    public void FlowsFromMasks_NeighbouringObjects_DoNotInfluenceEachOther()
    {
        var alone = new TestMasks(30, 40).Disc(1, 14, 12, 9);
        var together = new TestMasks(30, 40).Disc(1, 14, 12, 9).Rect(7, 5, 24, 25, 38);

        var a = MaskDynamics.FlowsFromMasks(alone.Image());
        var b = MaskDynamics.FlowsFromMasks(together.Image());

        for (int i = 0; i < alone.Labels.Length; i++)
        {
            if (alone.Labels[i] != 1) continue;
            Assert.Equal(a.DY[i], b.DY[i]);
            Assert.Equal(a.DX[i], b.DX[i]);
        }
    }

    [Fact]
    public void FlowsFromMasks_HugeSparseLabelValues_GiveTheSameFlows()
    {
        var small = new TestMasks(20, 20).Disc(1, 9.3, 9.6, 6).Rect(2, 0, 16, 6, 20);
        var huge = new TestMasks(20, 20).Disc(2_000_000_000, 9.3, 9.6, 6).Rect(7, 0, 16, 6, 20);

        var a = MaskDynamics.FlowsFromMasks(small.Image());
        var b = MaskDynamics.FlowsFromMasks(huge.Image());

        Assert.Equal(a.DY, b.DY);
        Assert.Equal(a.DX, b.DX);
    }

    [Fact]
    public void TrainingTargets_RenumberInOrderOfAppearanceAndStackLabelsMaskAndFlows()
    {
        var masks = new TestMasks(10, 12).Rect(9, 1, 6, 4, 11).Rect(3, 5, 1, 9, 5).Image();

        var targets = TrainingTargets.FromMasks(masks);
        var flows = MaskDynamics.FlowsFromMasks(masks);

        Assert.Equal(4, targets.Planes.Count);
        Assert.Equal(1f, targets.Labels[1 * 12 + 6]);
        Assert.Equal(2f, targets.Labels[5 * 12 + 1]);
        for (int i = 0; i < masks.Labels.Length; i++)
        {
            Assert.Equal(masks.Labels[i] > 0 ? 1f : 0f, targets.CellMask[i]);
            Assert.Equal(flows.DY[i], targets.Flows.DY[i]);
            Assert.Equal(flows.DX[i], targets.Flows.DX[i]);
        }
    }
}
