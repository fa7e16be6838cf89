using System.IO.Compression;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>Files built byte by byte (not by LibTiff) read back exactly: every byte order and header kind.</summary>
public sealed class RawTiffTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Read_HandBuiltGray16_ReturnsExactValues(bool bigEndian, bool bigTiff)
    {
        using var tmp = new TempFolder();
        const int w = 37, h = 23;
        var pixels = Pattern(w, h);
        var raw = new RawTiff(bigEndian, bigTiff);
        raw.Gray16(pixels, w, h, rowsPerStrip: 5);
        string path = tmp.File("raw.tif");
        File.WriteAllBytes(path, raw.Build());
        var img = TiffReader.Read(path);
        Assert.Equal(bigTiff, img.Metadata.IsBigTiff);
        Assert.Equal(bigEndian, img.Metadata.IsBigEndian);
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i], img.Data[i]);
    }

    [Fact]
    public void Read_BigEndianBigTiff_FailsAsUnsupportedNamingTheFile()
    {
        using var tmp = new TempFolder();
        var raw = new RawTiff(bigEndian: true, bigTiff: true);
        raw.Gray16(Pattern(8, 3), 8, 3, rowsPerStrip: 2);
        string path = tmp.File("mm_bigtiff.tif");
        File.WriteAllBytes(path, raw.Build());
        var ex = Assert.Throws<TiffReadException>(() => TiffReader.Read(path));
        Assert.Equal(TiffErrorKind.UnsupportedFormat, ex.Kind);
        Assert.Contains("mm_bigtiff.tif", ex.Message);
    }

    /// <summary>Horizontal differencing is applied to samples in file order; a big-endian Deflate file built by hand
    /// pins down the reader independently of LibTiff's writer.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_HandBuiltDeflateWithHorizontalPredictor_ReturnsExactValues(bool bigEndian)
    {
        using var tmp = new TempFolder();
        const int w = 37, h = 23;
        var pixels = Pattern(w, h);
        var raw = new RawTiff(bigEndian, bigTiff: false);
        var blob = new List<byte>();
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                ushort diff = x == 0 ? pixels[i] : (ushort)(pixels[i] - pixels[i - 1]);
                blob.AddRange(raw.U16(diff));
            }
        }
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(blob.ToArray());
        raw.Pages.Add(new RawPage(new List<RawTag>
        {
            RawTag.Long(256, w), RawTag.Long(257, h), RawTag.Short(258, 16), RawTag.Short(259, 8), RawTag.Short(262, 1),
            RawTag.Short(277, 1), RawTag.Long(278, h), RawTag.Short(317, 2),
        }, new List<byte[]> { ms.ToArray() }));
        string path = tmp.File("pred.tif");
        File.WriteAllBytes(path, raw.Build());
        var img = TiffReader.Read(path);
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i], img.Data[i]);
    }

    internal static ushort[] Pattern(int w, int h)
    {
        var p = new ushort[w * h];
        for (int i = 0; i < p.Length; i++) p[i] = (ushort)((i * 2741 + (i / w) * 13) % 65536);
        return p;
    }
}
