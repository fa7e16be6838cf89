using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.TestSupport;

namespace AcqSeg.Imaging.Tests.Outputs;

/// <summary>Cellpose's outline list and text, ImageJ ROI zips and PNG masks.</summary>
public class CellposeInteropOutputTests
{
    private static LabelImage Parse(params string[] rows) =>
        new(rows.SelectMany(r => r.Select(c => c == '.' ? 0 : c - '0')).ToArray(), rows.Length, rows[0].Length);

    [Fact]
    public void Outline_OfASquare_StartsTopLeftAndRunsDownTheLeftSideFirst()
    {
        var masks = Parse(
            ".....",
            ".111.",
            ".111.",
            ".111.",
            ".....");
        var o = Assert.Single(MaskContours.Outlines(masks));
        // cv2.findContours' order for an outer border: counter-clockwise on screen from the first pixel in raster order.
        Assert.Equal(new[] { 1, 1, 1, 2, 3, 3, 3, 2 }, o.X);
        Assert.Equal(new[] { 1, 2, 3, 3, 3, 2, 1, 1 }, o.Y);
        Assert.Equal("1,1,1,2,1,3,2,3,3,3,3,2,3,1,2,1\n", CellposeOutlineText.Format([o]));
    }

    [Fact]
    public void OutlineLabels_SkipHoleBorders_AndCloseAlongTheImageEdge()
    {
        var masks = Parse(
            "11111.",
            "11111.",
            "11.11.",
            "11111.",
            "11111.");
        var outline = MaskContours.OutlineLabels(masks);
        string Row(int y) => string.Concat(Enumerable.Range(0, 6).Select(x => outline[y, x] == 0 ? '.' : '1'));
        // Only the outer border: the pixels around the hole are not outlines (masks_to_outlines uses RETR_EXTERNAL).
        Assert.Equal(new[] { "11111.", "1...1.", "1...1.", "1...1.", "11111." }, Enumerable.Range(0, 5).Select(Row).ToArray());
    }

    [Fact]
    public void Outlines_TinyMaskGetsAnEmptyLine_AndASplitMaskItsLongestPiece()
    {
        var masks = Parse(
            "11..2222",
            "11..2222",
            "....2222",
            "2.......");
        var outlines = MaskContours.Outlines(masks);
        Assert.Equal(new[] { 1, 2 }, outlines.Select(o => o.Label));
        Assert.Equal(0, outlines[0].Count); // 4 contour points: Cellpose's np.zeros((0, 2))
        Assert.Equal(10, outlines[1].Count); // the 3x4 block, not the lone pixel
        string[] lines = CellposeOutlineText.Format(outlines).Split('\n');
        Assert.Equal(("", 3), (lines[0], lines.Length));
        Assert.Equal("4,0,4,1,4,2,5,2,6,2,7,2,7,1,7,0,6,0,5,0", lines[1]);
    }

    private sealed record DecodedRoi(string Entry, string Name, int Version, int Type, int Top, int Left, int Bottom, int Right, int[] X, int[] Y);

    /// <summary>A reader written from ImageJ's RoiDecoder layout: big-endian header, coordinates relative to the box.</summary>
    private static List<DecodedRoi> ReadRoiZip(string path)
    {
        var rois = new List<DecodedRoi>();
        using var zip = ZipFile.OpenRead(path);
        foreach (var entry in zip.Entries)
        {
            using var ms = new MemoryStream();
            using (var s = entry.Open()) s.CopyTo(ms);
            byte[] d = ms.ToArray();
            short S(int at) => BinaryPrimitives.ReadInt16BigEndian(d.AsSpan(at));
            int I(int at) => BinaryPrimitives.ReadInt32BigEndian(d.AsSpan(at));
            Assert.Equal("Iout", Encoding.ASCII.GetString(d, 0, 4));
            int n = (ushort)S(16), top = S(8), left = S(10);
            var x = Enumerable.Range(0, n).Select(i => left + S(64 + 2 * i)).ToArray();
            var y = Enumerable.Range(0, n).Select(i => top + S(64 + 2 * n + 2 * i)).ToArray();
            int hdr2 = I(60), nameOffset = I(hdr2 + 16), nameLength = I(hdr2 + 20);
            string name = new(Enumerable.Range(0, nameLength).Select(i => (char)S(nameOffset + 2 * i)).ToArray());
            rois.Add(new DecodedRoi(entry.FullName, name, S(4), d[6], top, left, S(12), S(14), x, y));
        }
        return rois;
    }

    [Fact]
    public void RoiZip_DecodesBackToTheMasksOutlinePolygons()
    {
        using var tmp = new TempFolder();
        var masks = TestLabels.Squares(40, 50, (1, 2, 3, 6), (2, 20, 30, 9), (5, 30, 2, 7));
        string zip = tmp.File("frame_rois.zip");
        Assert.Equal(3, ImageJRoiZip.Write(zip, masks));

        var rois = ReadRoiZip(zip);
        var outlines = MaskContours.Outlines(masks);
        Assert.Equal(outlines.Count, rois.Count);
        for (int k = 0; k < rois.Count; k++)
        {
            var (roi, o) = (rois[k], outlines[k]);
            Assert.Equal((ImageJRoiZip.Version, 0), (roi.Version, roi.Type));
            Assert.Equal(o.X, roi.X);
            Assert.Equal(o.Y, roi.Y);
            Assert.Equal((o.Y.Min(), o.X.Min(), o.Y.Max(), o.X.Max()), (roi.Top, roi.Left, roi.Bottom, roi.Right));
            Assert.Equal(roi.Name + ".roi", roi.Entry);
        }
        // The 9x9 square at (x 30, y 20): its border pixels, the box centre in the name.
        Assert.Equal("0002-0024-0034", rois[1].Name);
        Assert.Equal(32, rois[1].X.Length);
        Assert.All(rois[1].X.Zip(rois[1].Y), p => Assert.True(p.First is 30 or 38 || p.Second is 20 or 28));
    }

    /// <summary>Gray samples of an unfiltered 8- or 16-bit PNG.</summary>
    private static (int Width, int Height, int Depth, int[] Values) ReadGrayPng(string path)
    {
        var png = PngTestReader.Read(path);
        Assert.Equal(0, png.ColourType);
        byte[] r = png.Scanlines;
        int stride = png.Width * png.BitDepth / 8;
        var values = new int[png.Width * png.Height];
        for (int y = 0; y < png.Height; y++)
        {
            Assert.Equal(0, r[y * (stride + 1)]); // filter: none
            for (int x = 0; x < png.Width; x++)
            {
                int at = y * (stride + 1) + 1 + x * png.BitDepth / 8;
                values[y * png.Width + x] = png.BitDepth == 8 ? r[at] : BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(at));
            }
        }
        return (png.Width, png.Height, png.BitDepth, values);
    }

    [Fact]
    public void MaskPng_FewLabels_Is8Bit_ManyAre16Bit_BothDecodeToTheLabels()
    {
        using var tmp = new TempFolder();
        var few = TestLabels.Squares(20, 30, (1, 1, 1, 5), (200, 10, 20, 6));
        Assert.Equal(8, MaskPng.Write(tmp.File("few.png"), few));
        var (w, h, depth, values) = ReadGrayPng(tmp.File("few.png"));
        Assert.Equal((30, 20, 8), (w, h, depth));
        Assert.Equal(few.Labels, values);

        var labels = new int[20 * 40];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 2 == 0 ? 0 : 1 + i / 2; // 400 one-pixel labels
        var many = new LabelImage(labels, 20, 40);
        Assert.Equal(16, MaskPng.Write(tmp.File("many.png"), many));
        var decoded = ReadGrayPng(tmp.File("many.png"));
        Assert.Equal(16, decoded.Depth);
        Assert.Equal(labels, decoded.Values);
    }
}
