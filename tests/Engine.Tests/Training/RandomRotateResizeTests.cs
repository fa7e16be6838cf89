using AcqSeg.Engine.Training;

namespace AcqSeg.Engine.Tests.Training;

public class RandomRotateResizeTests
{
    private const int N = 32;

    private static float[] Ramp(Func<int, int, float> f)
    {
        var a = new float[N * N];
        for (int y = 0; y < N; y++) for (int x = 0; x < N; x++) a[y * N + x] = f(y, x);
        return a;
    }

    [Fact]
    public void Apply_IdentityDraw_ReturnsTheInput()
    {
        var img = Ramp((y, x) => y * 100 + x);
        var prob = Ramp((y, x) => (y + x) % 2);
        var fy = Ramp((y, x) => 0.5f);
        var fx = Ramp((y, x) => -0.25f);
        var crop = RandomRotateResize.Apply(img, 1, N, N, prob, fy, fx, N, new AffineDraw(false, 0, 1, 0, 0));
        Assert.Equal(img, crop.Image);
        Assert.Equal(prob, crop.CellProb);
        Assert.All(crop.FlowY, v => Assert.Equal(0.5f, v, 5));
        Assert.All(crop.FlowX, v => Assert.Equal(-0.25f, v, 5));
    }

    [Fact]
    public void Apply_Flip_MirrorsColumnsAndNegatesXFlow()
    {
        var img = Ramp((y, x) => x);
        var flow = Ramp((y, x) => 1f);
        var crop = RandomRotateResize.Apply(img, 1, N, N, img, flow, flow, N, new AffineDraw(true, 0, 1, 0, 0));
        Assert.Equal(N - 1, crop.Image[0], 4);
        Assert.Equal(0, crop.Image[N - 1], 4);
        Assert.All(crop.FlowX, v => Assert.Equal(-1f, v, 5));
        Assert.All(crop.FlowY, v => Assert.Equal(1f, v, 5));
    }

    [Fact]
    public void Apply_QuarterTurn_RotatesPixelsAndFlowVectorsTogether()
    {
        // A flow pointing +x everywhere; after rotating the image by theta = pi/2 (x -> y), it points +y.
        var img = Ramp((y, x) => x);
        var zero = new float[N * N];
        var one = Ramp((y, x) => 1f);
        var crop = RandomRotateResize.Apply(img, 1, N, N, zero, zero, one, N, new AffineDraw(false, Math.PI / 2, 1, 0, 0));
        int c = N / 2;
        Assert.Equal(1f, crop.FlowY[c * N + c], 4);
        Assert.Equal(0f, crop.FlowX[c * N + c], 4);
        // The x ramp becomes a y ramp: intensity grows down the rows.
        Assert.True(crop.Image[(c + 4) * N + c] > crop.Image[(c - 4) * N + c]);
        Assert.Equal(crop.Image[c * N + c - 4], crop.Image[c * N + c + 4], 3);
    }

    [Fact]
    public void Apply_HalfScale_ShrinksObjectsAndReadsZerosOutside()
    {
        var img = Ramp((y, x) => 1f);
        var crop = RandomRotateResize.Apply(img, 1, N, N, img, img, img, N, new AffineDraw(false, 0, 0.5, 0, 0));
        Assert.Equal(1f, crop.Image[(N / 2) * N + N / 2], 5);
        Assert.Equal(0f, crop.Image[0], 5);
        Assert.InRange(crop.Image.Sum(), N * N / 4 - 2 * N, N * N / 4 + 2 * N);
    }

    [Fact]
    public void Draw_ScaleFollowsCellposeRange_AndIsDeterministicForASeed()
    {
        var a = RandomRotateResize.Draw(300, 300, rescale: 2.0, scaleRange: 0.5, size: 224, new Random(7));
        var b = RandomRotateResize.Draw(300, 300, rescale: 2.0, scaleRange: 0.5, size: 224, new Random(7));
        Assert.Equal(a, b);
        var rng = new Random(1);
        for (int i = 0; i < 200; i++)
        {
            var d = RandomRotateResize.Draw(300, 300, 2.0, 0.5, 224, rng);
            Assert.InRange(d.Scale, 0.75 / 2.0, 1.25 / 2.0);
            Assert.InRange(d.Theta, 0, 2 * Math.PI);
        }
    }

    [Fact]
    public void Draw_LogScales_SpanTheRangeEvenlyInLog_AndKeepTheOtherChoices()
    {
        var rng = new Random(3);
        var logs = new List<double>();
        for (int i = 0; i < 2000; i++)
        {
            var d = RandomRotateResize.Draw(300, 300, 1.0, 1.0, 224, rng, logScales: (0.5, 4.0));
            Assert.InRange(d.Scale, 0.5, 4.0);
            logs.Add(Math.Log(d.Scale));
        }
        // Log-uniform: the geometric midpoint sqrt(0.5 x 4) splits the draws in half, a third fall above 2.
        Assert.InRange(logs.Count(l => l < Math.Log(Math.Sqrt(2.0))) / 2000.0, 0.45, 0.55);
        Assert.InRange(logs.Count(l => l > Math.Log(2.0)) / 2000.0, 0.28, 0.39);

        var plain = RandomRotateResize.Draw(300, 300, 1.0, 1.0, 224, new Random(9));
        var wide = RandomRotateResize.Draw(300, 300, 1.0, 1.0, 224, new Random(9), logScales: (0.5, 4.0));
        Assert.Equal((plain.Flip, plain.Theta), (wide.Flip, wide.Theta));
        Assert.NotEqual(plain.Scale, wide.Scale);
    }
}

public class AugmentationFlowConsistencyTests
{
    [Theory]
    [InlineData(0.7, false, 1.0)]
    [InlineData(2.1, true, 1.1)]
    [InlineData(4.0, true, 0.8)]
    [InlineData(2.1, false, 1.1)]
    [InlineData(0.0, true, 1.0)]
    [InlineData(0.0, false, 1.0)]
    [InlineData(1.5707963267948966, false, 1.0)]
    public void Apply_TransformedFlows_AgreeWithFlowsRecomputedFromTransformedLabels(double theta, bool flip, double scale)
    {
        var frame = AcqSeg.Imaging.Synthesis.SyntheticFrames.Generate(new AcqSeg.Imaging.Synthesis.SynthSettings
        {
            Height = 160, Width = 160, Diameter = 30, Density = 0.35, Seed = 12,
        });
        var flows = AcqSeg.Imaging.Dynamics.MaskDynamics.FlowsFromMasks(frame.Masks);
        var labels = frame.Masks.Labels.Select(v => (float)v).ToArray();
        // The labels ride in the nearest-interpolated channel, so they stay integer labels.
        var crop = RandomRotateResize.Apply(labels, 1, 160, 160, labels, flows.DY, flows.DX, 128, new AffineDraw(flip, theta, scale, 3, -2));
        var warped = new AcqSeg.Imaging.Io.LabelImage(crop.CellProb.Select(v => (int)v).ToArray(), 128, 128);
        var recomputed = AcqSeg.Imaging.Dynamics.MaskDynamics.FlowsFromMasks(warped);

        // Objects cut by the crop's edge get another centre when recomputed: compare whole objects only.
        var cut = new HashSet<int>();
        for (int k = 0; k < 128; k++)
        {
            cut.Add(warped.Labels[k]); cut.Add(warped.Labels[127 * 128 + k]);
            cut.Add(warped.Labels[k * 128]); cut.Add(warped.Labels[k * 128 + 127]);
        }
        double cosSum = 0;
        int n = 0;
        for (int y = 1; y < 127; y++)
            for (int x = 1; x < 127; x++)
            {
                int i = y * 128 + x, v = warped.Labels[i];
                // Interior pixels only: on a border the bilinear flow mixes in the neighbour's (or background's) flow.
                if (v == 0 || cut.Contains(v) || warped.Labels[i - 1] != v || warped.Labels[i + 1] != v || warped.Labels[i - 128] != v || warped.Labels[i + 128] != v) continue;
                double ay = crop.FlowY[i], ax = crop.FlowX[i], by = recomputed.DY[i], bx = recomputed.DX[i];
                double na = Math.Sqrt(ay * ay + ax * ax), nb = Math.Sqrt(by * by + bx * bx);
                if (na < 1e-3 || nb < 1e-3) continue;
                cosSum += (ay * by + ax * bx) / (na * nb);
                n++;
            }
        Assert.True(n > 1000, $"only {n} interior pixels compared");
        Assert.True(cosSum / n > 0.99, $"mean cosine {cosSum / n:0.000} over {n} pixels");
    }
}
