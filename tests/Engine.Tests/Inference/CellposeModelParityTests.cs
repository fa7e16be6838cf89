using System.Globalization;
using AcqSeg.Engine.Inference;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.TestSupport;
using Xunit.Abstractions;

namespace AcqSeg.Engine.Tests.Inference;

/// <summary>The network pass against Cellpose v2.3.2's own outputs (README settings: channels [0,0], diameter 30, tiled).</summary>
// Network runs use every core; running them one at a time is faster than oversubscribing torch threads.
[Collection(NetworkRunCollection.Name)]
public class CellposeModelParityTests(ITestOutputHelper output)
{
    private static readonly EvalSettings ReadmeSettings = new() { Channel = 0, Channel2 = 0, Diameter = 30, Tile = true, TileOverlap = 0.1 };

    [SkippableTheory]
    [InlineData("synth_256")]
    [InlineData("synth_512")]
    public void Run_ReferenceImage_MatchesCellposeFlowsCellprobAndStyle(string name)
    {
        using var model = CellposeModel.Load(SharedData.Reference("cpnet_synth_e40.pth"), DeviceChoice.Cpu);
        ImageData image = TiffReader.Read(SharedData.Reference(name + ".tif"));
        ImageData dP = TiffReader.Read(SharedData.Reference(name + "_cp_dP.tif"));
        ImageData cellprob = TiffReader.Read(SharedData.Reference(name + "_cp_cellprob.tif"));
        float[] style = File.ReadAllLines(SharedData.Reference(name + "_cp_style.txt"))
            .Where(l => l.Trim().Length > 0).Select(l => float.Parse(l, CultureInfo.InvariantCulture)).ToArray();

        NetworkOutput result = model.Run(image, ReadmeSettings);

        Assert.Equal(image.Height, result.Height);
        Assert.Equal(image.Width, result.Width);
        double dy = MaxAbs(result.DY, dP.Channel(0));
        double dx = MaxAbs(result.DX, dP.Channel(1));
        double cp = MaxAbs(result.CellProb, cellprob.Channel(0));
        double st = MaxAbs(result.Style, style);
        output.WriteLine($"{name}: max|dY| {dy:E3}, max|dX| {dx:E3}, max|cellprob| {cp:E3}, max|style| {st:E3}; normalise {result.NormalizeTime.TotalMilliseconds:F0} ms, network {result.NetworkTime.TotalMilliseconds:F0} ms");
        Assert.True(dy <= 1e-3, $"dY differs by {dy}");
        Assert.True(dx <= 1e-3, $"dX differs by {dx}");
        Assert.True(cp <= 1e-3, $"cellprob differs by {cp}");
        Assert.True(st <= 1e-4, $"style differs by {st}");
    }

    internal static double MaxAbs(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(b.Length, a.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
