using AcqSeg.Imaging.Io;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>Every supported layout written with LibTiff.NET reads back with exactly the values written.</summary>
public sealed class TiffLayoutTests
{
    public static readonly string[] SampleTypes = { "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32" };
    public static readonly Compression[] Compressions = { Compression.NONE, Compression.LZW, Compression.ADOBE_DEFLATE, Compression.PACKBITS };

    public static IEnumerable<object[]> TypeAndCompression() =>
        from t in SampleTypes from c in Compressions select new object[] { t, c };

    /// <summary>
    /// Samples 1..4 x chunky/planar x strips/tiles x (II, MM, II BigTIFF) for one type and codec. Big-endian BigTIFF
    /// is left out: LibTiff.NET writes it invalid (and reads it wrongly); the reader rejects it, see RawTiffTests.
    /// </summary>
    [Theory]
    [MemberData(nameof(TypeAndCompression))]
    public void Read_EveryLayoutOfTypeAndCompression_ReturnsExactValues(string sampleType, Compression compression)
    {
        using var tmp = new TempFolder();
        int n = 0;
        for (int samples = 1; samples <= 4; samples++)
        foreach (bool planar in samples == 1 ? new[] { false } : new[] { false, true })
        foreach (bool tiled in new[] { false, true })
        foreach (bool bigEndian in new[] { false, true })
        foreach (bool bigTiff in bigEndian ? new[] { false } : new[] { false, true })
        {
            var layout = new TiffLayout(sampleType, samples, planar, tiled, compression, bigEndian, bigTiff);
            string path = tmp.File($"l{n++}.tif");
            TiffFixture.Write(path, layout);
            var img = TiffReader.Read(path);
            AssertImage(layout, img, pages: 1);
            Assert.Equal(bigTiff, img.Metadata.IsBigTiff);
            Assert.Equal(bigEndian, img.Metadata.IsBigEndian);
        }
        Assert.Equal(42, n);
    }

    [Theory]
    [InlineData("uint8", Predictor.HORIZONTAL, false)]
    [InlineData("uint16", Predictor.HORIZONTAL, false)]
    [InlineData("int16", Predictor.HORIZONTAL, false)]
    [InlineData("uint32", Predictor.HORIZONTAL, false)]
    [InlineData("float32", Predictor.FLOATINGPOINT, false)]
    // Little-endian only: LibTiff.NET's writer differences big-endian samples after swapping them (a writer bug);
    // reading big-endian predictor files is covered by a hand-built file in RawTiffTests.
    public void Read_PredictorCompressedFile_ReturnsExactValues(string sampleType, Predictor predictor, bool bigEndian)
    {
        using var tmp = new TempFolder();
        int n = 0;
        foreach (var compression in new[] { Compression.LZW, Compression.ADOBE_DEFLATE })
        foreach (bool planar in new[] { false, true })
        foreach (bool tiled in new[] { false, true })
        {
            var layout = new TiffLayout(sampleType, 2, planar, tiled, compression, bigEndian, Predictor: predictor);
            string path = tmp.File($"p{n++}.tif");
            TiffFixture.Write(path, layout);
            AssertImage(layout, TiffReader.Read(path), pages: 1);
        }
    }

    [Theory]
    [InlineData("uint16", 1, false)]
    [InlineData("float32", 2, true)]
    [InlineData("uint8", 3, false)]
    public void Read_MultiPageInChannelsMode_ReturnsPagesTimesSamplesChannels(string sampleType, int samples, bool tiled)
    {
        using var tmp = new TempFolder();
        var layout = new TiffLayout(sampleType, samples, Tiled: tiled, Compression: Compression.ADOBE_DEFLATE, Pages: 3);
        string path = tmp.File("multi.tif");
        TiffFixture.Write(path, layout);
        var img = TiffReader.Read(path);
        Assert.Equal(3 * samples, img.Channels);
        AssertImage(layout, img, pages: 3);
        Assert.Equal(3, img.Metadata.Pages);
    }

    [Fact]
    public void Read_SinglePageOfStack_ReturnsThatPageOnly()
    {
        using var tmp = new TempFolder();
        var layout = new TiffLayout("uint16", Pages: 4);
        string path = tmp.File("stack.tif");
        TiffFixture.Write(path, layout);
        var img = TiffReader.Read(path, new TiffReadOptions { PageMode = PageMode.SinglePage, PageIndex = 2 });
        Assert.Equal(1, img.Channels);
        Assert.Equal((float)TiffFixture.Value(layout, 2, 0, 5, 7), img.Data[5 * layout.Width + 7]);
        Assert.Equal((float)TiffFixture.Value(layout, 2, 0, 22, 36), img.Data[22 * layout.Width + 36]);
    }

    [Theory]
    [InlineData(ExtraSample.UNASSALPHA)]
    [InlineData(ExtraSample.ASSOCALPHA)]
    [InlineData(ExtraSample.UNSPECIFIED)]
    public void Read_RgbaBrightfield_DropsFourthSampleAndKeepsRgb(ExtraSample extra)
    {
        using var tmp = new TempFolder();
        var layout = new TiffLayout("uint8", 4, Compression: Compression.LZW, Photometric: Photometric.RGB, ExtraSamples: new[] { extra });
        string path = tmp.File("rgba.tif");
        TiffFixture.Write(path, layout);
        var img = TiffReader.Read(path);
        Assert.Equal(3, img.Channels);
        Assert.True(img.Metadata.AlphaDropped);
        AssertImage(layout with { Samples = 3 }, img, pages: 1);

        var kept = TiffReader.Read(path, new TiffReadOptions { DropAlpha = false });
        Assert.Equal(4, kept.Channels);
        AssertImage(layout, kept, pages: 1);
    }

    [Fact]
    public void Read_GrayWithAlpha_DropsAlphaButKeepsUnspecifiedExtraChannels()
    {
        using var tmp = new TempFolder();
        var alpha = new TiffLayout("uint16", 2, ExtraSamples: new[] { ExtraSample.UNASSALPHA });
        var extra = new TiffLayout("uint16", 2, ExtraSamples: new[] { ExtraSample.UNSPECIFIED });
        TiffFixture.Write(tmp.File("alpha.tif"), alpha);
        TiffFixture.Write(tmp.File("extra.tif"), extra);
        Assert.Equal(1, TiffReader.Read(tmp.File("alpha.tif")).Channels);
        Assert.Equal(2, TiffReader.Read(tmp.File("extra.tif")).Channels);
    }

    [Fact]
    public void Read_PaletteImage_ExpandsToRgbOrReturnsIndicesOrRejectsAsAsked()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("palette.tif");
        const int w = 19, h = 7;
        using (var tif = Tiff.Open(path, "w"))
        {
            tif.SetField(TiffTag.IMAGEWIDTH, w);
            tif.SetField(TiffTag.IMAGELENGTH, h);
            tif.SetField(TiffTag.BITSPERSAMPLE, 8);
            tif.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tif.SetField(TiffTag.PHOTOMETRIC, Photometric.PALETTE);
            tif.SetField(TiffTag.ROWSPERSTRIP, h);
            var r = new ushort[256]; var g = new ushort[256]; var b = new ushort[256];
            for (int i = 0; i < 256; i++) { r[i] = (ushort)(i * 257); g[i] = (ushort)((255 - i) * 257); b[i] = (ushort)((i * 7 % 256) * 257); }
            tif.SetField(TiffTag.COLORMAP, r, g, b);
            var data = new byte[w * h];
            for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 11 % 256);
            tif.WriteEncodedStrip(0, data, data.Length);
        }
        var rgb = TiffReader.Read(path);
        Assert.Equal(3, rgb.Channels);
        int at = 5 * w + 3, index = at * 11 % 256;
        Assert.Equal(index, rgb.Data[at]);
        Assert.Equal(255 - index, rgb.Data[w * h + at]);
        Assert.Equal(index * 7 % 256, rgb.Data[2 * w * h + at]);

        var indices = TiffReader.Read(path, new TiffReadOptions { Palette = PaletteHandling.Indices });
        Assert.Equal(1, indices.Channels);
        Assert.Equal(index, indices.Data[at]);

        var ex = Assert.Throws<TiffReadException>(() => TiffReader.Read(path, new TiffReadOptions { Palette = PaletteHandling.Reject }));
        Assert.Equal(TiffErrorKind.UnsupportedFormat, ex.Kind);
        Assert.Contains("palette.tif", ex.Message);
    }

    [Theory]
    [InlineData("uint8")]
    [InlineData("uint16")]
    [InlineData("int16")]
    [InlineData("uint32")]
    [InlineData("int32")]
    public void ReadLabels_IntegerTypes_ReturnExactLabels(string sampleType)
    {
        using var tmp = new TempFolder();
        var layout = new TiffLayout(sampleType, Compression: Compression.ADOBE_DEFLATE, BigEndian: sampleType == "uint16");
        string path = tmp.File("labels.tif");
        // Label values must be non-negative and fit an int: write a pattern that does.
        using (var tif = Tiff.Open(path, "w"))
        {
            WriteLabelPage(tif, layout);
        }
        var labels = TiffReader.ReadLabels(path);
        for (int y = 0; y < layout.Height; y++)
            for (int x = 0; x < layout.Width; x++)
                Assert.Equal(LabelValue(layout, y, x), labels[y, x]);
    }

    private static long LabelValue(TiffLayout l, int y, int x) => l.Bits switch
    {
        8 => (y * 37 + x) % 128,
        16 => (y * 1237 + x * 3) % 32768,
        _ => (y * 91_000_037L + x * 3) % int.MaxValue,
    };

    private static void WriteLabelPage(Tiff tif, TiffLayout l)
    {
        int bytes = l.Bits / 8;
        tif.SetField(TiffTag.IMAGEWIDTH, l.Width);
        tif.SetField(TiffTag.IMAGELENGTH, l.Height);
        tif.SetField(TiffTag.BITSPERSAMPLE, l.Bits);
        tif.SetField(TiffTag.SAMPLEFORMAT, l.Format);
        tif.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
        tif.SetField(TiffTag.COMPRESSION, l.Compression);
        tif.SetField(TiffTag.ROWSPERSTRIP, l.Height);
        var buf = new byte[l.Width * l.Height * bytes];
        for (int y = 0; y < l.Height; y++)
        {
            for (int x = 0; x < l.Width; x++)
            {
                long v = LabelValue(l, y, x);
                int at = (y * l.Width + x) * bytes;
                for (int b = 0; b < bytes; b++) buf[at + b] = (byte)(v >> (8 * b));
            }
        }
        tif.WriteEncodedStrip(0, buf, buf.Length);
    }

    internal static void AssertImage(TiffLayout l, ImageData img, int pages)
    {
        Assert.Equal(l.Height, img.Height);
        Assert.Equal(l.Width, img.Width);
        Assert.Equal(pages * l.Samples, img.Channels);
        Assert.Equal(l.SampleType, img.Metadata.SampleType);
        for (int p = 0; p < pages; p++)
        {
            for (int s = 0; s < l.Samples; s++)
            {
                var plane = img.Channel(p * l.Samples + s);
                for (int y = 0; y < l.Height; y++)
                {
                    for (int x = 0; x < l.Width; x++)
                    {
                        float expected = (float)TiffFixture.Value(l, p, s, y, x);
                        float actual = plane[y * l.Width + x];
                        if (expected != actual)
                            Assert.Fail($"{l}: page {p} sample {s} at ({x}, {y}) read {actual}, wrote {expected}");
                    }
                }
            }
        }
    }
}
