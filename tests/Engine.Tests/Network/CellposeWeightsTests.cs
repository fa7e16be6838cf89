using AcqSeg.Engine.Network;
using AcqSeg.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Tests.Network;

public sealed class CellposeWeightsTests : IDisposable
{
    private readonly string tempDir = Path.Combine(Path.GetTempPath(), "acqseg-net-" + Guid.NewGuid().ToString("N"));

    public CellposeWeightsTests() => Directory.CreateDirectory(tempDir);

    public void Dispose() => Directory.Delete(tempDir, recursive: true);

    [SkippableFact]
    public void LoadNetwork_ReferenceFile_ReadsDiametersAndAllWeights()
    {
        string path = SharedData.Reference("cpnet_synth_e40.pth");
        using var net = CellposeWeights.LoadNetwork(path);

        Assert.Equal(30.0, net.DiamMean, 5);
        Assert.Equal(27.54, net.DiamLabels, 2);
        Assert.Equal(CellposeNet.DefaultWidths, net.Widths);
        var file = CellposeWeights.ReadStateDict(path);
        try
        {
            Assert.Equal(313, file.Count);
            var sd = net.state_dict();
            foreach (var (key, t) in file)
                Assert.True(t.eq(sd[key]).all().item<bool>(), $"{key} differs after loading");
        }
        finally
        {
            foreach (var t in file.Values) t.Dispose();
        }
    }

    [SkippableFact]
    public void Save_ThenLoad_GivesIdenticalTensorsInPyTorchFormat()
    {
        string path = SharedData.Reference("cpnet_synth_e40.pth");
        string saved = Path.Combine(tempDir, "roundtrip.pth");
        using var net = CellposeWeights.LoadNetwork(path);
        CellposeWeights.Save(net, saved);

        byte[] head = File.ReadAllBytes(saved)[..4];
        Assert.Equal(new byte[] { 0x50, 0x4B, 0x03, 0x04 }, head);

        var original = CellposeWeights.ReadStateDict(path);
        var reloaded = CellposeWeights.ReadStateDict(saved);
        try
        {
            Assert.Equal(original.Keys.Order(StringComparer.Ordinal), reloaded.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, t) in original)
            {
                Assert.Equal(t.dtype, reloaded[key].dtype);
                Assert.True(t.shape.SequenceEqual(reloaded[key].shape), key);
                Assert.True(t.eq(reloaded[key]).all().item<bool>(), $"{key} changed in the round trip");
            }
        }
        finally
        {
            foreach (var t in original.Values.Concat(reloaded.Values)) t.Dispose();
        }

        using var fresh = new CellposeNet();
        var missing = CellposeWeights.Load(fresh, saved);
        Assert.Empty(missing);
        Assert.Equal(27.54, fresh.DiamLabels, 2);
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingTheFile()
    {
        string path = Path.Combine(tempDir, "nope.pth");
        var ex = Assert.Throws<ModelFileException>(() => CellposeWeights.LoadNetwork(path));
        Assert.Equal(ModelFileErrorKind.Missing, ex.Kind);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Load_TextFile_ThrowsNotPyTorch()
    {
        string path = Path.Combine(tempDir, "model.pth");
        File.WriteAllText(path, "this is not a model");
        var ex = Assert.Throws<ModelFileException>(() => CellposeWeights.LoadNetwork(path));
        Assert.Equal(ModelFileErrorKind.NotPyTorchZip, ex.Kind);
        Assert.Contains("torch.save", ex.Message);
    }

    [SkippableFact]
    public void Load_IntoNarrowerNetwork_ThrowsShapeMismatch()
    {
        string path = SharedData.Reference("cpnet_synth_e40.pth");
        using var narrow = new CellposeNet([2, 16, 32, 64, 128]);
        var ex = Assert.Throws<ModelFileException>(() => CellposeWeights.Load(narrow, path));
        Assert.Equal(ModelFileErrorKind.ShapeMismatch, ex.Kind);
        Assert.Contains("2, 32, 64, 128, 256", ex.Message);
    }

    [Fact]
    public void LoadNetwork_NarrowModelSavedByAcqSeg_RebuildsItsWidths()
    {
        string path = Path.Combine(tempDir, "narrow.pth");
        using (var narrow = new CellposeNet([2, 16, 32, 64, 128], diamMean: 17))
            CellposeWeights.Save(narrow, path);
        using var loaded = CellposeWeights.LoadNetwork(path);
        Assert.Equal([2, 16, 32, 64, 128], loaded.Widths);
        Assert.Equal(17.0, loaded.DiamMean);
    }

    [Fact]
    public void LoadNetwork_UnrelatedStateDict_ThrowsNotCellpose()
    {
        string path = Path.Combine(tempDir, "linear.pth");
        using (var other = torch.nn.Linear(4, 2))
            other.save_py_for_test(path);
        var ex = Assert.Throws<ModelFileException>(() => CellposeWeights.LoadNetwork(path));
        Assert.Equal(ModelFileErrorKind.NotCellposeStateDict, ex.Kind);
    }
}

internal static class PyBridgeTestExtensions
{
    public static void save_py_for_test(this torch.nn.Module module, string path) =>
        TorchSharp.PyBridge.PyBridgeModuleExtensions.save_py(module, path);
}
