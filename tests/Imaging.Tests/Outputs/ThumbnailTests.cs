using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Imaging.Tests.Outputs;

public class ThumbnailTests
{
    private static ImageData Checkerboard(int side, int cell)
    {
        var pixels = new float[side * side];
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++) pixels[y * side + x] = (x / cell + y / cell) % 2 == 0 ? 0f : 1000f;
        return new ImageData(pixels, 1, side, side);
    }

    [Theory]
    [InlineData(512, 1, 200)]   // 2.56 source pixels per thumbnail pixel: nearest sampling gives runs of black and white
    [InlineData(512, 1, 128)]   // exactly 4: nearest sampling hits only black pixels
    [InlineData(600, 2, 160)]
    public void Thumbnail_OfAFineCheckerboard_IsMidGrayEverywhere(int side, int cell, int thumb)
    {
        var image = Checkerboard(side, cell);
        var (rgb, w, h) = Thumbnail.Render(image, new LabelImage(new int[side * side], side, side), thumb);

        Assert.Equal((thumb, thumb), (w, h));
        for (int i = 0; i < w * h; i++)
        {
            // 1st-99th percentile stretch of a 0/1000 board maps to 0/255, so the average is 127.5; edge cells of a
            // footprint that does not cover whole checker cells may tip it a little.
            Assert.InRange(rgb[3 * i], 100, 155);
            Assert.Equal(rgb[3 * i], rgb[3 * i + 1]);
        }
    }

    [Fact]
    public void Thumbnail_OfALabelledSquare_KeepsItsOutlineRedAndOpaque()
    {
        const int side = 400;
        var image = new ImageData(Enumerable.Range(0, side * side).Select(i => (float)(i % 17)).ToArray(), 1, side, side);
        var labels = new int[side * side];
        for (int y = 100; y < 300; y++)
            for (int x = 100; x < 300; x++) labels[y * side + x] = 1;
        var (rgb, w, _) = Thumbnail.Render(image, new LabelImage(labels, side, side), 100);

        // The square's left edge (source column 100) falls in thumbnail column 25: fully red there, gray inside.
        int edge = 3 * (50 * w + 25), inside = 3 * (50 * w + 50);
        Assert.Equal(255, rgb[edge]);
        Assert.Equal(0, rgb[edge + 1]);
        Assert.Equal(rgb[inside], rgb[inside + 1]);
    }

    [Fact]
    public void AreaResize_AveragesEachFootprint_WeightingPartlyCoveredPixels()
    {
        // 3 -> 2: the middle pixel is split half and half between the outputs.
        var shrunk = AreaResize.Shrink([0f, 3f, 6f, 0f, 3f, 6f], 2, 3, 1, 2);
        Assert.Equal(1f, shrunk[0], 5);  // (0 * 1 + 3 * 0.5) / 1.5
        Assert.Equal(5f, shrunk[1], 5);  // (3 * 0.5 + 6 * 1) / 1.5
    }
}
