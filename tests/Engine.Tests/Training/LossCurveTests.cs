using AcqSeg.Engine.Training;
using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Training;

public class LossCurveTests
{
    private static EpochReport Epoch(int epoch, double train, double? test) =>
        new(epoch, 5, train, test, test is null ? null : 0.5, 0.1, 2.0, 4.0, TimeSpan.Zero);

    [Fact]
    public void WriteCsv_ThenLoad_KeepsEveryEpoch()
    {
        using var tmp = new TempFolder();
        var curve = new LossCurve();
        for (int e = 0; e < 5; e++) curve.Add(Epoch(e, 1.0 / (e + 1), e % 2 == 0 ? 0.8 / (e + 1) : null));
        curve.WriteCsv(tmp.File("loss.csv"));

        var loaded = LossCurve.Load(tmp.File("loss.csv"));
        Assert.Equal(curve.Reports.Select(r => (r.Epoch, r.TrainLoss, r.TestLoss)), loaded.Reports.Select(r => (r.Epoch, r.TrainLoss, r.TestLoss)), new LossesEqual());
    }

    [Fact]
    public void WritePng_DrawsTheTitledChart_TrainLossInBlue_TestLossInOrange()
    {
        using var tmp = new TempFolder();
        var curve = new LossCurve();
        for (int e = 0; e < 20; e++) curve.Add(Epoch(e, 2.0 / (e + 1), e % 5 == 0 ? 1.5 / (e + 1) : null));
        curve.WritePng(tmp.File("loss.png"), "nuclei");

        var png = ChartImage.Load(tmp.File("loss.png"));
        Assert.True(png.DarkRows(png.Width / 4, 0, png.Width * 3 / 4, png.Height / 10) >= 8, "a title");
        Assert.True(png.CountColour(0, 0, png.Width, png.Height, (31, 119, 180)) > 100, "the train loss in blue");
        Assert.True(png.CountColour(0, 0, png.Width, png.Height, (255, 127, 14)) > 100, "the test loss in orange");
    }

    [Fact]
    public void WritePng_LossesOfZero_AreLeftOffTheLogScale()
    {
        using var tmp = new TempFolder();
        var curve = new LossCurve();
        curve.Add(Epoch(0, 0, 0));
        curve.Add(Epoch(1, 0.5, null));
        curve.WritePng(tmp.File("loss.png"), null);
        Assert.True(File.Exists(tmp.File("loss.png")));
    }

    private sealed class LossesEqual : IEqualityComparer<(int, double, double?)>
    {
        public bool Equals((int, double, double?) a, (int, double, double?) b) =>
            a.Item1 == b.Item1 && Math.Abs(a.Item2 - b.Item2) < 1e-5 && (a.Item3 is null ? b.Item3 is null : b.Item3 is { } t && Math.Abs(a.Item3.Value - t) < 1e-5);
        public int GetHashCode((int, double, double?) v) => v.Item1;
    }
}
