using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.SegmentWorker;
using AcqSeg.TestSupport;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

/// <summary>The worker's output names (issue 22, item 3): X.tif gets X_cp_masks.tif in the acquisition's folder tree;
/// a hash only when another image already holds that name.</summary>
public sealed class FrameOutputsTests : IDisposable
{
    private readonly TempFolder tmp = new("acqseg-outputs");
    private readonly SegmentWorkerOptions defaults = new() { OutputRoot = "unused" };

    private string Out => Path.Combine(tmp.Path, "out");

    private static (ImageData Image, SegmentationResult Result) Frame(int label)
    {
        const int h = 8, w = 8;
        var labels = new int[h * w];
        for (int y = 2; y < 6; y++)
            for (int x = 2; x < 6; x++) labels[y * w + x] = label;
        var masks = new LabelImage(labels, h, w);
        var image = new ImageData(labels.Select(v => (float)v).ToArray(), 1, h, w);
        var network = new NetworkOutput(new float[h * w], new float[h * w], new float[h * w], h, w, [], 1, TimeSpan.Zero, TimeSpan.Zero);
        return (image, new SegmentationResult(masks, network, new MaskResult { Masks = masks }, 30, new StageTimings()));
    }

    private OutputPaths Write(string imagePath, int label, string acquisition = "run1/plate1", bool plainTaken = false, SegmentWorkerOptions? o = null)
    {
        var (image, result) = Frame(label);
        return FrameOutputs.Write(Out, acquisition, imagePath, Guid.NewGuid(), o ?? defaults, plainTaken, image, result);
    }

    [Fact]
    public void DefaultOptions_WriteMasksAndObjectTable_NamedAsCellpose_InTheAcquisitionsFolderTree()
    {
        var paths = Write("/watch/run1/plate1/X.tif", 3);

        string folder = Path.Combine(Out, "run1", "plate1");
        Assert.Equal(Path.Combine(folder, "X_cp_masks.tif"), paths.Masks);
        Assert.Equal(Path.Combine(folder, "X_cp_objects.csv"), paths.Objects);
        Assert.Null(paths.Flows);
        Assert.Null(paths.Outlines);
        Assert.Equal(new[] { "X_cp_masks.tif", "X_cp_objects.csv" }, Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FlowsAndOutlines_AreWrittenWhenAskedFor()
    {
        var paths = Write("/watch/run1/plate1/X.tif", 3, o: new SegmentWorkerOptions { OutputRoot = "unused", SaveFlows = true, SaveOutlines = true });

        Assert.True(File.Exists(paths.Flows), paths.Flows);
        Assert.True(File.Exists(paths.Outlines), paths.Outlines);
        Assert.Equal("X_flows.tif", Path.GetFileName(paths.Flows));
        Assert.Equal("X_cp_outlines.png", Path.GetFileName(paths.Outlines));
    }

    [Fact]
    public void Masks_CarryImageJLabelMetadata_AndNameTheirSourceImage()
    {
        var paths = Write("/watch/run1/plate1/X.tif", 7);

        var meta = TiffReader.ReadMetadata(paths.Masks);
        Assert.Equal("ImageJ", meta.MetadataSource);
        Assert.Equal(1, meta.Pages);
        Assert.Equal("/watch/run1/plate1/X.tif", meta.DocumentName);
        Assert.Equal(Frame(7).Result.Masks.Labels, TiffReader.ReadLabels(paths.Masks).Labels);
    }

    [Fact]
    public void TwoImagesOfOneName_TheSecondGetsAHashedName_AndTheFirstKeepsItsFile()
    {
        var first = Write("/watch/run1/plate1/X.tif", 1);
        var second = Write("/watch/run1/plate1/X.tiff", 2);

        Assert.Equal("X_cp_masks.tif", Path.GetFileName(first.Masks));
        Assert.Matches(@"^X\.[0-9a-f]{8}_cp_masks\.tif$", Path.GetFileName(second.Masks));
        Assert.Matches(@"^X\.[0-9a-f]{8}_cp_objects\.csv$", Path.GetFileName(second.Objects));
        Assert.Equal(Frame(1).Result.Masks.Labels, TiffReader.ReadLabels(first.Masks).Labels);
        Assert.Equal(Frame(2).Result.Masks.Labels, TiffReader.ReadLabels(second.Masks).Labels);
    }

    [Fact]
    public void SameImageAgain_WithNewContent_OverwritesItsOwnPlainName()
    {
        // Not ASCII: the recorded source must read back as written, or the image would lose its own name.
        string image = Path.Combine(tmp.Path, "watch", "run1", "plate1", "naïve é 細胞.tif");
        var first = Write(image, 1);
        var again = Write(image, 5);

        Assert.Equal(first.Masks, again.Masks);
        Assert.Equal("naïve é 細胞_cp_masks.tif", Path.GetFileName(again.Masks));
        Assert.Equal(image, TiffReader.ReadMetadata(again.Masks).DocumentName);
        Assert.Equal(Frame(5).Result.Masks.Labels, TiffReader.ReadLabels(again.Masks).Labels);
    }

    [Fact]
    public void AFileTheServiceDidNotWrite_AtThePlainName_IsLeftAlone()
    {
        string folder = Path.Combine(Out, "run1", "plate1");
        Directory.CreateDirectory(folder);
        string users = Path.Combine(folder, "X_cp_masks.tif");
        File.WriteAllText(users, "a user's own file");

        var paths = Write("/watch/run1/plate1/X.tif", 1);

        Assert.NotEqual(users, paths.Masks);
        Assert.Equal("a user's own file", File.ReadAllText(users));
    }

    [Fact]
    public void PlainNameHeldInTheDatabase_GivesTheHashedName_EvenWhenItsFileIsGone()
    {
        var paths = Write("/watch/run1/plate1/X.tif", 1, plainTaken: true);

        Assert.Matches(@"^X\.[0-9a-f]{8}_cp_masks\.tif$", Path.GetFileName(paths.Masks));
        Assert.False(File.Exists(Path.Combine(Out, "run1", "plate1", "X_cp_masks.tif")));
    }

    [Fact]
    public async Task Database_NamesAnotherImagesFrameHoldingTheMasksPath_NotTheSameImages()
    {
        using var db = new TestDatabase();
        var other = TestDatabase.NewFrame(path: "/watch/run1/X.tiff");
        await db.Frames.TryAddAcquiredAsync(other);
        await db.Frames.TryCompleteAsync(new AcqSeg.Persistence.SegmentationRecord(other.FrameId, false, 1, "/out/run1/X_cp_masks.tif", null, null, null,
            new AcqSeg.Persistence.FrameStatsRow(), [], other.Sha256));

        Assert.Equal("/watch/run1/X.tiff", await db.Frames.OtherImageWithMasksAtAsync("/out/run1/X_cp_masks.tif", "/watch/run1/X.tif"));
        Assert.Null(await db.Frames.OtherImageWithMasksAtAsync("/out/run1/X_cp_masks.tif", "/watch/run1/X.tiff"));
        Assert.Null(await db.Frames.OtherImageWithMasksAtAsync("/out/run1/Y_cp_masks.tif", "/watch/run1/Y.tif"));
    }

    public void Dispose() => tmp.Dispose();
}
