using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Imaging.Io;
using AcqSeg.Models.Sizing;
using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Inference;

/// <summary>
/// A stopping service cancels the frames it is segmenting: every path checks the token before its network passes, so a
/// cancelled frame ends with OperationCanceledException (the service leaves it Acquired) rather than with masks.
/// </summary>
[Collection(NetworkRunCollection.Name)]
public class CancelledSegmentationTests
{
    public static TheoryData<string, SegmentSettings> Paths() => new()
    {
        { "fast, large tiles", new SegmentSettings { Diameter = 24, Fast = true, FastTiles = FastTiles.Large } },
        { "fast, Cellpose's tiles", new SegmentSettings { Diameter = 24, Fast = true, FastTiles = FastTiles.Cellpose } },
        { "exact, tiled", new SegmentSettings { Diameter = 24, Fast = false, Tile = true } },
        { "exact, whole frame", new SegmentSettings { Diameter = 24, Fast = false, Tile = false } },
        { "fast, test-time augmentation", new SegmentSettings { Diameter = 24, Fast = true, Augment = true } },
    };

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void CancelledToken_EndsTheFrameAndTheBatch_WithOperationCanceled(string path, SegmentSettings settings)
    {
        using var model = NetworkRunCollection.LoadReference();
        var segmenter = new FrameSegmenter(model);
        var frame = TiffReader.Read(SharedData.Reference("synth_256.tif"));
        var cancelled = new CancellationToken(canceled: true);

        Assert.ThrowsAny<OperationCanceledException>(() => segmenter.Segment(frame, settings, cancelled));
        Assert.ThrowsAny<OperationCanceledException>(() => segmenter.SegmentBatch([frame, frame], settings, cancel: cancelled));
        // The same frame and settings without the stop segment as always (the check is the only change).
        Assert.True(segmenter.Segment(frame, settings).Masks.CountObjects() > 0, path);
    }

    [SkippableFact]
    public void CancelledToken_EndsASizeEstimate_AndASeriesFrame_BeforeTheirPasses()
    {
        using var model = NetworkRunCollection.LoadReference();
        var size = new SizeModel(new float[256], new float[256], 30, Math.Log(20.0 / 30.0));
        var segmenter = new FrameSegmenter(model, size);
        var frame = TiffReader.Read(SharedData.Reference("synth_256.tif"));
        var settings = new SegmentSettings { Diameter = 0, Fast = true };
        var cancelled = new CancellationToken(canceled: true);
        var reuse = new DiameterReuse();

        Assert.ThrowsAny<OperationCanceledException>(() => new SizeEstimator(model, size).Estimate(frame, cancel: cancelled));
        Assert.ThrowsAny<OperationCanceledException>(() => segmenter.Segment(frame, settings, reuse, "a", cancelled));
        // A cancelled first frame holds no estimate for its series: the next frame estimates afresh.
        Assert.Null(reuse.Get("a"));
        Assert.Equal(DiameterSources.Estimated, segmenter.Segment(frame, settings, reuse, "a").DiameterSource);
    }
}
