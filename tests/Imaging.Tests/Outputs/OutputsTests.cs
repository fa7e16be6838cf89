using System.Buffers.Binary;
using System.IO.Compression;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;

namespace AcqSeg.Imaging.Tests.Outputs;

public class OutputsTests
{
    private static LabelImage TwoSquares()
    {
        // 6x8: label 3 is a 2x3 block at (1,1); label 7 a 3x2 block at (2,5).
        var l = new int[6 * 8];
        for (int y = 1; y < 3; y++) for (int x = 1; x < 4; x++) l[y * 8 + x] = 3;
        for (int y = 2; y < 5; y++) for (int x = 5; x < 7; x++) l[y * 8 + x] = 7;
        return new LabelImage(l, 6, 8);
    }

    [Fact]
    public void Measure_HandBuiltLabels_GivesAreaCentroidBoxAndIntensity()
    {
        var m = TwoSquares();
        var img = new ImageData(Enumerable.Range(0, 48).Select(i => (float)i).ToArray(), 1, 6, 8);
        var rows = ObjectTable.Measure(m, img);
        Assert.Equal(2, rows.Count);
        var a = rows[0];
        Assert.Equal((3, 6, 1.5, 2.0, 1, 1, 2, 3), (a.Label, a.Area, a.CentroidY, a.CentroidX, a.MinY, a.MinX, a.MaxY, a.MaxX));
        Assert.Equal((9 + 10 + 11 + 17 + 18 + 19) / 6.0, a.MeanIntensity, 9);
        var b = rows[1];
        Assert.Equal((7, 6, 3.0, 5.5, 2, 5, 4, 6), (b.Label, b.Area, b.CentroidY, b.CentroidX, b.MinY, b.MinX, b.MaxY, b.MaxX));
    }

    [Fact]
    public void WriteCsv_WritesHeaderAndOneRowPerObject()
    {
        string path = Path.Combine(Path.GetTempPath(), $"acqseg-{Guid.NewGuid():N}.csv");
        try
        {
            ObjectTable.WriteCsv(path, ObjectTable.Measure(TwoSquares(), null));
            var lines = File.ReadAllLines(path);
            Assert.Equal(ObjectTable.Header, lines[0]);
            Assert.Equal(3, lines.Length);
            Assert.StartsWith("3,6,1.5,2,1,1,2,3,", lines[1]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Outlines_MarkOnlyBoundaryPixelsOfEachMask()
    {
        var o = OutlineOverlay.Outlines(TwoSquares());
        // Label 7's middle row (3, 5..6) is on its left/right border; a 3x2 block has no interior pixel.
        Assert.True(o[3 * 8 + 5] && o[3 * 8 + 6]);
        Assert.False(o[0]);
        var big = new int[10 * 10];
        for (int y = 2; y < 8; y++) for (int x = 2; x < 8; x++) big[y * 10 + x] = 1;
        var ob = OutlineOverlay.Outlines(new LabelImage(big, 10, 10));
        Assert.True(ob[2 * 10 + 4]);
        Assert.False(ob[4 * 10 + 4]); // interior
        Assert.Equal(20, ob.Count(v => v));
    }

    [Fact]
    public void WritePng_ProducesAValidPngWithRedOutlines()
    {
        var m = TwoSquares();
        var img = new ImageData(Enumerable.Range(0, 48).Select(i => (float)i).ToArray(), 1, 6, 8);
        string path = Path.Combine(Path.GetTempPath(), $"acqseg-{Guid.NewGuid():N}.png");
        try
        {
            OutlineOverlay.WritePng(path, img, m);
            var png = PngTestReader.Read(path);
            Assert.Equal((8, 6, 8, 2), (png.Width, png.Height, png.BitDepth, png.ColourType));
            // Check the pixel of an outline is pure red and a background pixel is gray.
            byte[] px = png.Scanlines;
            Assert.Equal(6 * (1 + 8 * 3), px.Length);
            int Red(int y, int x) => px[y * 25 + 1 + 3 * x];
            int Green(int y, int x) => px[y * 25 + 1 + 3 * x + 1];
            Assert.Equal((255, 0), (Red(1, 1), Green(1, 1)));
            Assert.Equal(Red(0, 0), Green(0, 0));
        }
        finally { File.Delete(path); }
    }
}
