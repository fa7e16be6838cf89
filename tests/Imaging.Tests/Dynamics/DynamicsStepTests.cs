using AcqSeg.Imaging.Dynamics;

namespace AcqSeg.Imaging.Tests.Dynamics;

public sealed class DynamicsStepTests
{
    [Fact]
    public void Sample_AtFractionalPosition_InterpolatesBilinearly()
    {
        float[] dy = [0f, 1f, 2f, 3f];
        float[] dx = [4f, 4f, 8f, 8f];

        FlowFollower.Sample(dy, dx, 2, 2, 0.25f, 0.5f, out float sy, out float sx);

        Assert.Equal(0.5f * 0.75f * 1 + 0.25f * (2 * 0.5f + 3 * 0.5f), sy);
        Assert.Equal(5f, sx);
    }

    [Fact]
    public void Follow_RandomField_EqualsRepeatedSamplingAndClipping()
    {
        int h = 13, w = 17, niter = 40;
        var rng = new Random(7);
        var dy = new float[h * w];
        var dx = new float[h * w];
        for (int i = 0; i < h * w; i++)
        {
            dy[i] = (float)(rng.NextDouble() * 2.2 - 1.1);
            dx[i] = (float)(rng.NextDouble() * 2.2 - 1.1);
        }

        var p = FlowFollower.Follow(dy, dx, h, w, niter);

        for (int i = 0; i < h * w; i++)
        {
            float y = i / w, x = i % w;
            if (Math.Abs(dy[i]) > 1e-3f)
            {
                for (int t = 0; t < niter; t++)
                {
                    FlowFollower.Sample(dy, dx, h, w, y, x, out float sy, out float sx);
                    y = Math.Min(h - 1f, Math.Max(0f, y + sy));
                    x = Math.Min(w - 1f, Math.Max(0f, x + sx));
                }
            }
            Assert.Equal(y, p.Y[i]);
            Assert.Equal(x, p.X[i]);
        }
    }

    [Fact]
    public void Follow_ConstantFlow_StopsAtTheBorder()
    {
        var dy = new float[8 * 8];
        var dx = new float[8 * 8];
        Array.Fill(dy, 0.7f);
        Array.Fill(dx, -0.3f);

        var p = FlowFollower.Follow(dy, dx, 8, 8, 50);

        Assert.All(p.Y, v => Assert.Equal(7f, v));
        Assert.All(p.X, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Follow_PixelsWithOnlyHorizontalFlow_StayPut()
    {
        // Cellpose selects moving pixels by |dY| > 1e-3 alone.
        var dy = new float[6 * 6];
        var dx = new float[6 * 6];
        Array.Fill(dx, 1f);
        for (int i = 0; i < 6; i++) dy[i] = 0.5f;

        var p = FlowFollower.Follow(dy, dx, 6, 6, 10);

        Assert.Equal(6, p.MovingPixels);
        Assert.Equal(5f, p.X[0]);
        for (int i = 6; i < 36; i++) Assert.Equal(i % 6, p.X[i]);
    }

    [Fact]
    public void MaskedFlows_OutsideTheCellMask_AreZeroAndInsideDividedByFive()
    {
        var (my, mx) = FlowFollower.MaskedFlows([5f, 5f], [-2.5f, -2.5f], [0.1f, 0f], 0f);

        Assert.Equal([1f, 0f], my);
        Assert.Equal([-0.5f, 0f], mx);
    }

    [Fact]
    public void GetMasks_ConvergedCluster_BecomesOneObjectAndSmallClusterNone()
    {
        // 12 moved pixels end in bin (3, 3), 9 in bin (3, 12); every pixel that stays put counts in its own bin, so
        // they hold 13 and 10: only the first is a seed, and the still pixel (3, 3) joins its object.
        int h = 8, w = 16;
        var py = new float[h * w];
        var px = new float[h * w];
        for (int i = 0; i < h * w; i++)
        {
            py[i] = i / w;
            px[i] = i % w;
        }
        var cell = new bool[h * w];
        for (int k = 0; k < 12; k++) { int i = k; cell[i] = true; py[i] = 3.4f; px[i] = 3.9f; }
        for (int k = 0; k < 9; k++) { int i = 6 * w + k; cell[i] = true; py[i] = 3f; px[i] = 12f; }
        var tracked = new TrackedPixels(py, px, h, w, 21);

        var (labels, count) = ConvergenceClustering.GetMasks(tracked, cell);

        Assert.Equal(1, count);
        for (int k = 0; k < 12; k++) Assert.Equal(1, labels[k]);
        for (int k = 0; k < 9; k++) Assert.Equal(0, labels[6 * w + k]);
        Assert.Equal(1, labels[3 * w + 3]);
        Assert.Equal(13, labels.Count(v => v == 1));
    }

    [Fact]
    public void FillHoles_RingWithHole_IsFilledIncludingDiagonallyOpenCorners()
    {
        var drawn = new TestMasks(9, 9).Rect(5, 1, 1, 8, 8).Rect(0, 3, 3, 6, 6);
        drawn.Pixel(0, 1, 1); // a background corner reachable only diagonally from the hole stays background
        var labels = (int[])drawn.Labels.Clone();

        var (kept, small) = MaskCleanup.FillHolesAndRemoveSmall(labels, 9, 9, 15);

        Assert.Equal(1, kept);
        Assert.Equal(0, small);
        for (int y = 0; y < 9; y++)
        {
            for (int x = 0; x < 9; x++)
            {
                bool inBlock = y >= 1 && y < 8 && x >= 1 && x < 8 && !(y == 1 && x == 1);
                Assert.Equal(inBlock ? 1 : 0, labels[y * 9 + x]);
            }
        }
    }

    [Fact]
    public void FillHoles_HoleEnclosedOnlyDiagonally_IsFilledBecauseBackgroundIsFourConnected()
    {
        // A plus-shaped gap: its centre touches the outside only through diagonal steps.
        var drawn = new TestMasks(5, 5).Rect(1, 0, 0, 5, 5).Pixel(0, 2, 2).Pixel(0, 0, 0).Pixel(0, 1, 1);
        var labels = (int[])drawn.Labels.Clone();

        MaskCleanup.FillHolesAndRemoveSmall(labels, 5, 5, 0);

        Assert.Equal(1, labels[2 * 5 + 2]);
        Assert.Equal(1, labels[1 * 5 + 1]);
        Assert.Equal(0, labels[0]);
    }

    [Fact]
    public void RemoveSmall_BelowMinSize_IsErasedAndTheRestRelabelled()
    {
        var drawn = new TestMasks(10, 20).Rect(2, 0, 0, 2, 7).Rect(4, 5, 10, 8, 15);   // 14 and 15 pixels
        var labels = (int[])drawn.Labels.Clone();

        var (kept, small) = MaskCleanup.FillHolesAndRemoveSmall(labels, 10, 20, 15);

        Assert.Equal(1, kept);
        Assert.Equal(1, small);
        for (int i = 0; i < labels.Length; i++) Assert.Equal(drawn.Labels[i] == 4 ? 1 : 0, labels[i]);
    }

    [Fact]
    public void FillHoles_ObjectInsideAnotherObjectsHole_IsOverwrittenAsInCellpose()
    {
        var drawn = new TestMasks(12, 12).Rect(1, 0, 0, 12, 12).Rect(0, 3, 3, 9, 9).Rect(2, 4, 4, 8, 8);
        var labels = (int[])drawn.Labels.Clone();

        var (kept, _) = MaskCleanup.FillHolesAndRemoveSmall(labels, 12, 12, 15);

        Assert.Equal(1, kept);
        Assert.All(labels, v => Assert.Equal(1, v));
    }

    [Fact]
    public void Renumbering_FollowsFirstAppearance()
    {
        int[] labels = [0, 7, 7, 3, 0, 9, 3];

        int n = LabelRenumbering.InPlace(labels);

        Assert.Equal(3, n);
        Assert.Equal([0, 1, 1, 2, 0, 3, 2], labels);
    }
}
