using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.TestSupport;
using static AcqSeg.TestSupport.SegFileSamples;

namespace AcqSeg.Engine.Tests.Training;

/// <summary>A Cellpose _seg.npy beside an image as training input (TrainingData); the file itself is tested in
/// Imaging.Tests (Io/CellposeSegFileTests).</summary>
public class SegFileTrainingInputTests
{
    [Fact]
    public void SegFile_BesideAnImage_IsTrainingInput()
    {
        using var tmp = new TempFolder();
        var (tif, masks) = ImageWithSegNpy(tmp);

        var pair = Assert.Single(TrainingData.FindPairs(tmp.Path));
        Assert.Equal((tif, tmp.File("cells_seg.npy")), pair);
        var sample = Assert.Single(TrainingData.Load([pair], 0, 0));
        Assert.Equal(3, sample.Objects);
        Assert.Equal(TrainingData.Diameter(masks), TrainingData.MasksDiameterFor(tif));
        // Cellpose's --mask_filter _seg.npy names the file outright.
        Assert.Equal(tmp.File("cells_seg.npy"), TrainingData.MasksFor(tif, "_seg.npy"));
    }

    [Fact]
    public void SegFile_MaskTiffWinsOverSegNpy()
    {
        using var tmp = new TempFolder();
        var (tif, masks) = ImageWithSegNpy(tmp);
        TiffWriter.WriteLabels(tmp.File("cells_masks.tif"), masks);
        Assert.Equal(tmp.File("cells_masks.tif"), TrainingData.MasksFor(tif));
    }
}
