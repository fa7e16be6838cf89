using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Imaging.Tests.Transforms;

public class GeometryTests
{
    [Theory]
    [InlineData(272, 0.1, new[] { 0, 48 })]
    [InlineData(528, 0.1, new[] { 0, 152, 304 })]
    [InlineData(224, 0.1, new[] { 0 })]
    [InlineData(128, 0.1, new[] { 0 })]
    [InlineData(1000, 0.1, new[] { 0, 155, 310, 465, 620, 776 })]
    [InlineData(528, 0.9, new[] { 0, 76, 152, 228, 304 })]   // overlap clipped to 0.5
    [InlineData(528, 0.0, new[] { 0, 152, 304 })]            // overlap clipped to 0.05: ceil(1.1*528/224) = 3
    public void Starts_MatchCellposeMakeTiles(int length, double overlap, int[] expected)
    {
        Assert.Equal(expected, Tiling.Starts(length, overlap));
    }

    [Theory]
    [InlineData(224, new[] { 0, 0 })]
    [InlineData(272, new[] { 0, 24, 48 })]
    [InlineData(528, new[] { 0, 76, 152, 228, 304 })]
    public void AugmentedStarts_HalfOverlap(int length, int[] expected)
    {
        Assert.Equal(expected, Tiling.AugmentedStarts(length));
    }

    [Fact]
    public void TileLength_SmallImage_IsOwnSize()
    {
        Assert.Equal(128, Tiling.TileLength(128));
        Assert.Equal(224, Tiling.TileLength(528));
    }

    [Fact]
    public void TaperMask_FullTile_HasSigmoidValues()
    {
        double[] m = TaperMask.Create(224, 224);
        double edge = 1 / (1 + Math.Exp((111.5 - 92) / 7.5));
        double centre = 1 / (1 + Math.Exp((0.5 - 92) / 7.5));
        Assert.Equal(edge * edge, m[0], 12);
        Assert.Equal(centre * centre, m[111 * 224 + 112], 12);
        Assert.Equal(m[0], m[224 * 224 - 1], 15);
        Assert.Equal(m[5 * 224 + 17], m[17 * 224 + 5], 15);
    }

    [Fact]
    public void TaperMask_SmallTile_IsCentreCropOfFullMask()
    {
        double[] full = TaperMask.Create(224, 224);
        double[] small = TaperMask.Create(128, 96);
        Assert.Equal(128 * 96, small.Length);
        Assert.Equal(full[(112 - 64) * 224 + (112 - 48)], small[0], 15);
    }

    [Fact]
    public void TileBlender_OverlappingConstantTiles_AverageBetweenThem()
    {
        var blender = new TileBlender(1, 224, 300, 224, 224);
        blender.Add(Enumerable.Repeat(1f, 224 * 224).ToArray(), 0, 0);
        blender.Add(Enumerable.Repeat(3f, 224 * 224).ToArray(), 0, 76);
        float[] result = blender.Result();
        Assert.Equal(1f, result[112 * 300 + 10], 4);     // only the first tile
        Assert.Equal(3f, result[112 * 300 + 290], 4);    // only the second
        float middle = result[112 * 300 + 150];          // equal distance from both tile centres
        Assert.Equal(2f, middle, 4);
        // The average is taken in place: a second Result() or a later Add would be wrong, so both refuse.
        Assert.Throws<InvalidOperationException>(() => blender.Result());
        Assert.Throws<InvalidOperationException>(() => blender.Add(new float[224 * 224], 0, 0));
    }

    [Theory]
    [InlineData(256, 8, 8)]
    [InlineData(250, 11, 11)]
    [InlineData(251, 10, 11)]
    [InlineData(17, 15, 16)]
    public void PaddingMargins_MultipleOf16PlusEight(int length, int before, int after)
    {
        Assert.Equal((before, after), ImagePadding.Margins(length));
        Assert.Equal(0, (length + before + after) % 16);
    }

    [Fact]
    public void Pad_ThenCrop_ReturnsOriginal()
    {
        float[] data = Enumerable.Range(0, 2 * 20 * 30).Select(i => (float)i).ToArray();
        var padded = ImagePadding.Pad(data, 2, 20, 30);
        Assert.Equal((48, 48), (padded.Height, padded.Width));
        Assert.Equal(0f, padded.Data[0]);
        float[] back = ImagePadding.Crop(padded.Data, 2, padded.Height, padded.Width, padded.Top, padded.Left, 20, 30);
        Assert.Equal(data, back);
    }

    [Fact]
    public void Resize_DoubleWidth_UsesHalfPixelCentres()
    {
        // cv2.resize(np.float32([[0, 1]]), (4, 1)) = [0, 0.25, 0.75, 1]
        float[] result = BilinearResize.Resize([0f, 1f], 1, 1, 2, 1, 4);
        Assert.Equal([0f, 0.25f, 0.75f, 1f], result);
    }

    [Fact]
    public void Resize_ExactHalf_AveragesTwoByTwoBlocks()
    {
        float[] src = [1, 3, 5, 7,
                       1, 3, 5, 7,
                       2, 2, 0, 0,
                       2, 2, 0, 4];
        float[] result = BilinearResize.Resize(src, 1, 4, 4, 2, 2);
        Assert.Equal([2f, 6f, 2f, 1f], result);
    }

    [Fact]
    public void Resize_Shapes_FollowIntOfLengthTimesRescale()
    {
        Assert.Equal(170, BilinearResize.ScaledLength(256, 30.0 / 45));
        float[] src = new float[3 * 50 * 40];
        float[] result = BilinearResize.Resize(src, 3, 50, 40, 33, 27);
        Assert.Equal(3 * 33 * 27, result.Length);
        float[] same = BilinearResize.Resize(src, 3, 50, 40, 50, 40);
        Assert.NotSame(src, same);
        Assert.Equal(src, same);
    }

    [Fact]
    public void Resize_LinearRamp_StaysLinearInside()
    {
        float[] src = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();
        float[] result = BilinearResize.Resize(src, 1, 1, 10, 1, 7);
        // dst x -> src (x + 0.5) * 10/7 - 0.5, inside the range the ramp value is that coordinate.
        for (int x = 1; x < 6; x++) Assert.Equal((x + 0.5) * 10 / 7 - 0.5, result[x], 5);
    }
}
