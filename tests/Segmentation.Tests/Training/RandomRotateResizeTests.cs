using AcqSeg.Segmentation.Training;

namespace AcqSeg.Segmentation.Tests.Training;

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
}
