using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Imaging.Tests.Transforms;

public class ChannelSelectionTests
{
    private static ImageData Rgb() => new([1, 2, /* G */ 10, 20, /* B */ 100, 200], 3, 1, 2);

    [Fact]
    public void Gray_MultiChannel_MeanAndZeroSecondPlane()
    {
        float[] x = ChannelSelection.ToNetworkInput(Rgb(), 0, 3);
        Assert.Equal([37f, 74f, 0f, 0f], x);
    }

    [Fact]
    public void GreenWithBlueNuclei_PicksThosePlanes()
    {
        Assert.Equal([10f, 20f, 100f, 200f], ChannelSelection.ToNetworkInput(Rgb(), 2, 3));
        Assert.Equal([1f, 2f, 0f, 0f], ChannelSelection.ToNetworkInput(Rgb(), 1, 0));
    }

    [Fact]
    public void SingleChannel_IgnoresChoiceAndAddsZeros()
    {
        var img = new ImageData([4, 5], 1, 1, 2);
        Assert.Equal([4f, 5f, 0f, 0f], ChannelSelection.ToNetworkInput(img, 2, 3));
    }

    [Fact]
    public void MissingChannel_ThrowsNamingTheChannelCount()
    {
        var img = new ImageData([1, 2, 3, 4], 2, 1, 2);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ChannelSelection.ToNetworkInput(img, 3, 0));
        Assert.Contains("2 channels", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelSelection.ToNetworkInput(img, 4, 0));
    }
}
