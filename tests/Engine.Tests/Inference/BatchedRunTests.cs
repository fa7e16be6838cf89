using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Models.Sizing;
using AcqSeg.TestSupport;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Tests.Inference;

/// <summary>Frames of one size run with shared network passes (the service's batches) against each frame run alone.</summary>
[Collection(NetworkRunCollection.Name)]
public class BatchedRunTests(ITestOutputHelper output)
{
    /// <summary>The reference frame and two synthetic nuclei frames, all 256 x 256: different content, one size.</summary>
    private static List<ImageData> ThreeFrames() =>
    [
        TiffReader.Read(SharedData.Reference("synth_256.tif")),
        .. new[] { 3, 4 }.Select(seed => SyntheticFrames.Generate(new SynthSettings
        {
            Style = SynthStyle.Nuclei, Height = 256, Width = 256, Diameter = 30, Density = 0.12, Seed = seed,
        }).Image),
    ];

    [SkippableFact]
    public void FastNetwork_StackedTiles_MatchEachTileRunAlone()
    {
        using var net = CellposeWeights.LoadNetwork(SharedData.Reference("cpnet_synth_e40.pth"));
        net.eval();
        using var fast = new FastCellposeNet(net, ScalarType.Float32, torch.CPU);
        using var scope = NewDisposeScope();
        var x = torch.rand([3, 2, 96, 128], generator: new torch.Generator(5));
        var (stacked, stackedStyle) = fast.Forward(x);
        double flows = 0, style = 0;
        for (int n = 0; n < 3; n++)
        {
            var (alone, aloneStyle) = fast.Forward(x.narrow(0, n, 1));
            flows = Math.Max(flows, (stacked.narrow(0, n, 1) - alone).abs().max().item<float>());
            style = Math.Max(style, (stackedStyle.narrow(0, n, 1) - aloneStyle).abs().max().item<float>());
        }
        output.WriteLine($"stacked vs alone, float32: max |difference| outputs {flows:g3}, style {style:g3}");
        // Each tile keeps its own style terms; only the order of float32 operations differs (outputs span about +-10).
        Assert.True(flows < 1e-3, $"outputs differ by {flows}");
        Assert.True(style < 1e-5, $"style differs by {style}");
    }

    public static TheoryData<string, bool, bool, NetworkPrecision> Paths() => new()
    {
        { "fast float32, Cellpose's tiles", true, true, NetworkPrecision.Float32 },
        { "fast bfloat16, Cellpose's tiles", true, true, NetworkPrecision.BFloat16 },
        { "fast float32, large tiles", true, true, NetworkPrecision.Float32 },
        { "fast bfloat16, large tiles", true, true, NetworkPrecision.BFloat16 },
        { "exact tiled", false, true, NetworkPrecision.Float32 },
        { "exact whole frame", false, false, NetworkPrecision.Float32 },
    };

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void SegmentBatch_FramesTogether_GiveEachFrameItsOwnResult(string path, bool fast, bool tile, NetworkPrecision precision)
    {
        if (precision == NetworkPrecision.BFloat16) Skip.IfNot(NetworkPrecisionExtensions.CpuHasNativeBf16, "no native bf16 on this CPU");
        using var model = NetworkRunCollection.LoadReference();
        var segmenter = new FrameSegmenter(model);
        var settings = new SegmentSettings
        {
            Diameter = 24, Fast = fast, Tile = tile, Precision = precision, FastTiles = path.Contains("large", StringComparison.Ordinal) ? FastTiles.Large : FastTiles.Cellpose,
        };
        var frames = ThreeFrames();
        var alone = frames.Select(f => segmenter.Segment(f, settings)).ToList();

        var together = segmenter.SegmentBatch(frames, settings);

        Assert.Equal(3, together.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            var (a, b) = (alone[i], together[i]);
            double flow = 0, style = 0;
            for (int p = 0; p < a.Network.DY.Length; p++)
                flow = Math.Max(flow, Math.Max(Math.Abs(a.Network.DY[p] - b.Network.DY[p]), Math.Abs(a.Network.DX[p] - b.Network.DX[p])));
            for (int k = 0; k < a.Network.Style.Length; k++) style = Math.Max(style, Math.Abs(a.Network.Style[k] - b.Network.Style[k]));
            double ap = SegmentationMetrics.AveragePrecision(a.Masks, b.Masks);
            output.WriteLine($"{path}, frame {i}: {a.Masks.CountObjects()} objects alone, {b.Masks.CountObjects()} in the batch; AP@0.5 {ap:F3}; " +
                             $"max |flow difference| {flow:g3}, max |style difference| {style:g3}");
            Assert.Equal((3, DiameterSources.Given, 24.0), (b.NetworkBatch, b.DiameterSource, b.Diameter));
            Assert.True(a.Masks.CountObjects() > 5, "the frames should give objects");
            // Float32 paths differ only in the order of operations; bfloat16 rounds the per-tile style terms once more.
            Assert.True(flow < (precision == NetworkPrecision.BFloat16 ? 0.2 : 1e-3), $"flows differ by up to {flow}");
            Assert.True(ap >= 0.99, $"AP@0.5 {ap:F3} between the frame's masks alone and in the batch");
        }
        // Different frames: the batch did not hand one frame's output to another.
        Assert.NotEqual(together[0].Masks.CountObjects(), together[1].Masks.CountObjects());
    }

    [SkippableFact]
    public void SegmentBatch_OneFrame_IsTheOneFramePathExactly()
    {
        using var model = NetworkRunCollection.LoadReference();
        var segmenter = new FrameSegmenter(model);
        var settings = new SegmentSettings { Diameter = 30, Fast = true };
        var frame = ThreeFrames()[0];

        var alone = segmenter.Segment(frame, settings);
        var batch = Assert.Single(segmenter.SegmentBatch([frame], settings));

        Assert.Equal(alone.Network.DY, batch.Network.DY);
        Assert.Equal(alone.Network.CellProb, batch.Network.CellProb);
        Assert.Equal(alone.Network.Style, batch.Network.Style);
        Assert.Equal(alone.Masks.Labels, batch.Masks.Labels);
        Assert.Equal(1, batch.NetworkBatch);
    }

    [SkippableFact]
    public void RunBatch_FramesOfTwoSizes_IsRefusedNamingBothSizes()
    {
        using var model = NetworkRunCollection.LoadReference();
        var small = new ImageData(new float[64 * 64], 1, 64, 64);
        var large = new ImageData(new float[96 * 80], 1, 96, 80);
        var ex = Assert.Throws<ArgumentException>(() => model.RunBatch([small, large], new EvalSettings { Fast = true }));
        Assert.Contains("96x80x1 beside 64x64x1", ex.Message);
    }

    [SkippableFact]
    public void SegmentBatch_SeriesWithASizeModel_EstimatesItsFirstFrameOnly_AsFrameByFrame()
    {
        using var model = NetworkRunCollection.LoadReference();
        // A constant size model (A = 0): every estimate says 20 px before the refining passes measure the frame.
        var size = new SizeModel(new float[256], new float[256], 30, Math.Log(20.0 / 30.0));
        var segmenter = new FrameSegmenter(model, size);
        var settings = new SegmentSettings { Diameter = 0, Fast = true };
        var frame = ThreeFrames()[0];
        var frames = new[] { frame, frame, frame, frame };
        string[] series = ["a", "a", "b", "a"];

        var byFrame = new DiameterReuse();
        var expected = frames.Select((f, i) => segmenter.Segment(f, settings, byFrame, series[i])).ToList();
        var batched = new DiameterReuse();
        var actual = segmenter.SegmentBatch(frames, settings, batched, series);

        Assert.Equal(expected.Select(r => r.DiameterSource), actual.Select(r => r.DiameterSource));
        Assert.Equal([DiameterSources.Estimated, DiameterSources.Reused, DiameterSources.Estimated, DiameterSources.Reused],
            actual.Select(r => r.DiameterSource));
        Assert.Equal(expected.Select(r => r.Diameter), actual.Select(r => r.Diameter));
        // The two reusing frames of series a shared one pass; the estimated ones ran alone.
        Assert.Equal([1, 2, 1, 2], actual.Select(r => r.NetworkBatch));
        Assert.Equal(byFrame.Get("a")!.Diameter, batched.Get("a")!.Diameter);
    }
}
