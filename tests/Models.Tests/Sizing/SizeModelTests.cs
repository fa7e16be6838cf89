using AcqSeg.Models.Sizing;
using AcqSeg.TestSupport;

namespace AcqSeg.Models.Tests.Sizing;

public sealed class SizeModelTests : IDisposable
{
    private readonly TempFolder temp = new("acqseg-size");

    public void Dispose() => temp.Dispose();

    private static string Fixture(string name) => Path.Combine(SharedData.RepoRoot, "tests", "Models.Tests", "Sizing", "Fixtures", name);

    [Fact]
    public void PredictFromStyle_HandBuiltModel_IsExpOfLinearFormTimesDiamMean()
    {
        // A . (s - smean) = 0.5 * (0.3 - 0.1) + (-1) * (0.2 - 0.4) = 0.1 + 0.2 = 0.3
        var m = new SizeModel([0.5f, -1f], [0.1f, 0.4f], diamMean: 30, yMean: -0.2);
        double expected = Math.Exp(0.3 + Math.Log(30) - 0.2);
        Assert.Equal(expected, m.PredictFromStyle([0.3f, 0.2f]), 5);
        Assert.Equal(30 * Math.Exp(-0.2), m.PredictFromStyle([0.1f, 0.4f]), 5);
    }

    [Fact]
    public void PredictFromStyle_TinyPrediction_IsClippedAtFivePixels()
    {
        var m = new SizeModel([10f], [0f], diamMean: 30, yMean: 0);
        Assert.Equal(5.0, m.PredictFromStyle([-1f]));
    }

    [Fact]
    public void PredictFromStyle_StyleOfOtherLength_IsRefused()
    {
        var m = new SizeModel([1f, 2f], [0f, 0f], 30, 0);
        Assert.Throws<ArgumentException>(() => m.PredictFromStyle([1f, 2f, 3f]));
    }

    [Fact]
    public void SaveLoad_Json_RoundTripsExactly()
    {
        var m = new SizeModel([0.1f, -0.25f, 3.5e-7f], [0.01f, 0.02f, 0.9f], 17.5, -0.0625);
        string path = temp.File("size.json");
        m.Save(path);
        var back = SizeModel.Load(path);
        Assert.Equal(m.A, back.A);
        Assert.Equal(m.StyleMean, back.StyleMean);
        Assert.Equal(17.5, back.DiamMean);
        Assert.Equal(-0.0625, back.YMean);
    }

    [Fact]
    public void RefinePasses_AreSavedOnlyWhenNotCellposesOne_AndLoadBack()
    {
        var cellpose = new SizeModel([0.5f], [0.1f], 30, 0);
        string plain = temp.File("plain.json");
        cellpose.Save(plain);
        Assert.DoesNotContain("refine_passes", File.ReadAllText(plain));
        Assert.Equal(1, SizeModel.Load(plain).RefinePasses);

        string more = temp.File("more.json");
        cellpose.WithRefinePasses(4).Save(more);
        Assert.Contains("\"refine_passes\":4", File.ReadAllText(more));
        var back = SizeModel.Load(more);
        Assert.Equal(4, back.RefinePasses);
        Assert.Equal(cellpose.A, back.A);
        Assert.Equal(cellpose.YMean, back.YMean);
    }

    [Fact]
    public void SettledChange_IsSavedOnlyWhenNotTheDefault_AndLoadsBack()
    {
        var size = new SizeModel([0.5f], [0.1f], 30, 0, refinePasses: 4);
        Assert.Equal(SizeModel.DefaultSettledChange, size.SettledChange);
        string plain = temp.File("settle-default.json");
        size.Save(plain);
        Assert.DoesNotContain("settle", File.ReadAllText(plain));
        Assert.Equal(0.05, SizeModel.Load(plain).SettledChange);

        string tight = temp.File("settle-tight.json");
        var tighter = size.WithRefinePasses(8, 0.02);
        tighter.Save(tight);
        Assert.Contains("\"settle\":0.02", File.ReadAllText(tight));
        var back = SizeModel.Load(tight);
        Assert.Equal((8, 0.02), (back.RefinePasses, back.SettledChange));
        // Another pass count keeps the stopping fraction unless a new one is given.
        Assert.Equal(0.02, back.WithRefinePasses(3).SettledChange);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.001")]
    [InlineData("0.6")]
    [InlineData("\"x\"")]
    public void Load_BadSettle_NamesTheFileAndTheRange(string value)
    {
        string path = temp.File($"bad-settle-{value.Trim('"')}.json");
        File.WriteAllText(path, $"{{\"A\":[1],\"smean\":[0],\"diam_mean\":30,\"ymean\":0,\"refine_passes\":4,\"settle\":{value}}}");
        var ex = Assert.Throws<WeightsCompanionFileException>(() => SizeModel.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("'settle'", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SizeModel([1f], [0f], 30, 0, 4, settledChange: 0.6));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2.5")]
    [InlineData("9")]
    public void Load_BadRefinePasses_NamesTheFileAndTheRange(string value)
    {
        string path = temp.File($"bad{value}.json");
        File.WriteAllText(path, $"{{\"A\":[1],\"smean\":[0],\"diam_mean\":30,\"ymean\":0,\"refine_passes\":{value}}}");
        var ex = Assert.Throws<WeightsCompanionFileException>(() => SizeModel.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("whole number from 1 to 8", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SizeModel([1f], [0f], 30, 0, refinePasses: 0));
    }

    [Fact]
    public void Load_CellposeSizeNpy_ReadsTheDictOfArraysAndScalars()
    {
        var m = SizeModel.Load(Fixture("cellpose_size_v1.npy"));
        Assert.Equal(256, m.StyleLength);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal((float)((i % 7 - 3) / 100.0), m.A[i]);
            Assert.Equal((float)(i / 1024.0), m.StyleMean[i]);
        }
        Assert.Equal(30.0, m.DiamMean);
        Assert.Equal(0.125, m.YMean);
    }

    [Fact]
    public void WriteCellposeNpy_ThenLoad_GivesTheSameModelInFloat32()
    {
        var m = SizeModel.Load(Fixture("cellpose_size_v1.npy"));
        string path = temp.File("copy_size.npy");
        CellposeSizeFile.Write(path, m);
        Assert.True(CellposeSizeFile.LooksLikeNpy(path));
        Assert.Equal(0, new FileInfo(path).Length > 0 ? (File.ReadAllBytes(path)[8] + 10) % 64 : -1);
        var back = SizeModel.Load(path);
        Assert.Equal(m.A, back.A);
        Assert.Equal(m.StyleMean, back.StyleMean);
        Assert.Equal(30.0, back.DiamMean);
        Assert.Equal(0.125, back.YMean);
    }

    [Fact]
    public void Load_TruncatedNpy_FailsNamingTheFile()
    {
        byte[] bytes = File.ReadAllBytes(Fixture("cellpose_size_v1.npy"));
        string path = temp.File("broken_size.npy");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var ex = Assert.Throws<WeightsCompanionFileException>(() => SizeModel.Load(path));
        Assert.Contains("broken_size.npy", ex.Message);
        Assert.Contains("size model", ex.Message);
    }

    [Fact]
    public void Load_NpyOfNumbersNotADict_IsRefused()
    {
        // A float32 .npy array (what np.save of a plain array writes) is not a size model.
        string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
        header += new string(' ', 64 - (10 + header.Length + 1) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 };
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[8]);
        string path = temp.File("array.npy");
        File.WriteAllBytes(path, bytes.ToArray());
        var ex = Assert.Throws<WeightsCompanionFileException>(() => SizeModel.Load(path));
        Assert.Contains("'|O'", ex.Message);
    }

    [Fact]
    public void Load_JsonMissingAField_SaysWhichOne()
    {
        string path = temp.File("size.json");
        File.WriteAllText(path, """{"A": [1, 2], "smean": [0, 0], "diam_mean": 30}""");
        var ex = Assert.Throws<WeightsCompanionFileException>(() => SizeModel.Load(path));
        Assert.Contains("ymean", ex.Message);
    }

    [Fact]
    public void Ridge_OneFeature_IsTheClosedFormShrunkSlope()
    {
        // Centred x = [-1, 0, 1], centred y = [-2, 0, 2]: A = sum(xy) / (sum(x^2) + l2) = 4 / (2 + 1).
        var fit = RidgeRegression.Solve([1f, 2f, 3f], 3, 1, [3, 5, 7], l2: 1.0);
        Assert.Equal(4.0 / 3.0, fit.A[0], 6);
        Assert.Equal(2f, fit.StyleMean[0]);
        Assert.Equal(5.0, fit.YMean, 6);
        Assert.Equal(1.0, fit.TrainCorrelation, 9);
    }

    [Fact]
    public void Ridge_ManySamplesOfALinearMap_RecoversItsWeights()
    {
        var rng = new Random(3);
        double[] w = [0.5, -2, 1.25, 0];
        int n = 4000, f = w.Length;
        var x = new float[n * f];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < f; j++) x[i * f + j] = (float)(rng.NextDouble() * 2 - 1);
            for (int j = 0; j < f; j++) y[i] += w[j] * x[i * f + j];
            y[i] += 0.7;
        }
        var fit = RidgeRegression.Solve(x, n, f, y);
        for (int j = 0; j < f; j++) Assert.Equal(w[j], fit.A[j], 2);
    }
}
