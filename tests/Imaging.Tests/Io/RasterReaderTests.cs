using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using SkiaSharp;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>PNG and JPEG inputs as Cellpose reads them: gray one channel, colour R, G, B, 16-bit PNG samples kept.</summary>
public sealed class RasterReaderTests
{
    private const int W = 7, H = 5;

    private static byte[] Chunk(string type, byte[] body)
    {
        var chunk = new byte[12 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, body.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
        body.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + body.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + body.Length)));
        return chunk;
    }

    /// <summary>
    /// A 16-bit PNG (gray or RGB) written from the PNG specification, row y filtered with filter type y % 5, so every
    /// filter the decoder must undo is present; an optional pHYs chunk in pixels per metre.
    /// </summary>
    private static void WritePng16(string path, ushort[] samples, int channels, uint? pixelsPerMetre = null)
    {
        int bpp = channels * 2, stride = W * bpp;
        var raw = new byte[H * stride];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(raw.AsSpan(i * 2), samples[i]);
        var filtered = new byte[H * (stride + 1)];
        for (int y = 0; y < H; y++)
        {
            int f = y % 5;
            filtered[y * (stride + 1)] = (byte)f;
            for (int i = 0; i < stride; i++)
            {
                int x = raw[y * stride + i];
                int a = i >= bpp ? raw[y * stride + i - bpp] : 0, b = y > 0 ? raw[(y - 1) * stride + i] : 0;
                int c = y > 0 && i >= bpp ? raw[(y - 1) * stride + i - bpp] : 0;
                int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                int paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                int predictor = f switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => paeth };
                filtered[y * (stride + 1) + 1 + i] = (byte)(x - predictor);
            }
        }
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true)) z.Write(filtered);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, W);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), H);
        (header[8], header[9]) = (16, (byte)(channels == 1 ? 0 : 2));
        using var file = File.Create(path);
        file.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        file.Write(Chunk("IHDR", header));
        if (pixelsPerMetre is { } ppm)
        {
            var phys = new byte[9];
            BinaryPrimitives.WriteUInt32BigEndian(phys, ppm);
            BinaryPrimitives.WriteUInt32BigEndian(phys.AsSpan(4), ppm);
            phys[8] = 1;
            file.Write(Chunk("pHYs", phys));
        }
        file.Write(Chunk("IDAT", idat.ToArray()));
        file.Write(Chunk("IEND", []));
    }

    /// <summary>Values that differ only below the top 8 bits, where an 8-bit or half-float decode would merge them.</summary>
    private static ushort Value16(int i, int c) => (ushort)(40_000 + i * 257 + c * 3 + (i % 2));

    [Fact]
    public void Read_Png16Gray_KeepsEvery16BitValue_ThroughAllRowFilters_AndReadsPhys()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("gray16.png");
        var samples = Enumerable.Range(0, W * H).Select(i => Value16(i, 0)).ToArray();
        WritePng16(path, samples, channels: 1, pixelsPerMetre: 2_000_000);

        var img = RasterReader.Read(path);
        Assert.Equal((1, H, W), (img.Channels, img.Height, img.Width));
        Assert.Equal(samples.Select(v => (float)v).ToArray(), img.Data);
        Assert.Equal("uint16", img.Metadata.SampleType);
        Assert.Equal((0.5, 0.5, "µm"), (img.Metadata.PixelSizeX!.Value, img.Metadata.PixelSizeY!.Value, img.Metadata.PixelSizeUnit));
    }

    [Fact]
    public void Read_Png16Rgb_GivesRGBPlanesInOrder()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("rgb16.png");
        var samples = new ushort[W * H * 3];
        for (int i = 0; i < W * H; i++)
            for (int c = 0; c < 3; c++) samples[i * 3 + c] = Value16(i, c);
        WritePng16(path, samples, channels: 3);

        var img = RasterReader.Read(path);
        Assert.Equal(3, img.Channels);
        for (int c = 0; c < 3; c++) Assert.Equal((float)Value16(11, c), img.Channel(c)[11]);
        Assert.Null(img.Metadata.PixelSizeX);
    }

    [Fact]
    public void Read_Png16FromTheRepositorysEncoder_MatchesWhatWasWritten()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("masks16.png");
        var bytes = new byte[W * H * 2];
        for (int i = 0; i < W * H; i++) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 2), Value16(i, 0));
        PngEncoder.WriteGray(path, bytes, W, H, 16);
        Assert.Equal((float)Value16(W * H - 1, 0), RasterReader.Read(path).Data[^1]);
    }

    [Fact]
    public void Read_Png8GrayAndRgb_GiveOneAndThreeChannels()
    {
        using var tmp = new TempFolder();
        var gray = Enumerable.Range(0, W * H).Select(i => (byte)(i * 7)).ToArray();
        PngEncoder.WriteGray(tmp.File("gray.png"), gray, W, H, 8);
        var g = RasterReader.Read(tmp.File("gray.png"));
        Assert.Equal((1, "uint8"), (g.Channels, g.Metadata.SampleType));
        Assert.Equal(gray.Select(v => (float)v).ToArray(), g.Data);

        var rgb = Enumerable.Range(0, W * H * 3).Select(i => (byte)(i % 3 * 100 + i / 3)).ToArray();
        PngEncoder.WriteRgb(tmp.File("rgb.png"), rgb, W, H);
        var c = RasterReader.Read(tmp.File("rgb.png"));
        Assert.Equal(3, c.Channels);
        Assert.Equal(new float[] { 5, 105, 205 }, new[] { c.Channel(0)[5], c.Channel(1)[5], c.Channel(2)[5] });
    }

    [Fact]
    public void Read_JpegGrayAndColour_GiveOneAndThreeChannelsCloseToTheSource()
    {
        using var tmp = new TempFolder();
        const int size = 32;
        using (var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque)))
        {
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) bitmap.SetPixel(x, y, new SKColor(120, 120, 120));
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
            File.WriteAllBytes(tmp.File("gray.jpg"), data.ToArray());
        }
        var gray = RasterReader.Read(tmp.File("gray.jpg"));
        Assert.Equal((1, size, size), (gray.Channels, gray.Height, gray.Width));
        Assert.All(gray.Data, v => Assert.InRange(v, 117, 123));

        using (var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque)))
        {
            bitmap.Erase(new SKColor(200, 40, 90));
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
            File.WriteAllBytes(tmp.File("colour.jpeg"), data.ToArray());
        }
        var colour = RasterReader.Read(tmp.File("colour.jpeg"));
        Assert.Equal(3, colour.Channels);
        Assert.InRange(colour.Channel(0)[100], 195, 205);
        Assert.InRange(colour.Channel(1)[100], 35, 45);
        Assert.InRange(colour.Channel(2)[100], 85, 95);
    }

    [Fact]
    public void Read_TruncatedPng_IsAReadErrorNamingTheFile()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("cut.png");
        WritePng16(path, new ushort[W * H], channels: 1);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 30)]);
        var ex = Assert.Throws<TiffReadException>(() => RasterReader.Read(path));
        Assert.Contains("cut.png", ex.Message);
        Assert.Equal(TiffErrorKind.Truncated, ex.Kind);
    }

    [Fact]
    public void SkiaSharp_Merges16BitGrayValuesOneApart_WhichIsWhyTheReaderDecodesThemItself()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("gray16.png");
        var samples = new ushort[W * H];
        (samples[0], samples[1]) = (40_000, 40_001);
        WritePng16(path, samples, channels: 1);
        using var bitmap = SKBitmap.Decode(path);
        int bpp = bitmap.BytesPerPixel;
        Assert.Equal(bitmap.Bytes[..bpp], bitmap.Bytes[bpp..(2 * bpp)]);
        var img = RasterReader.Read(path);
        Assert.Equal((40_000f, 40_001f), (img.Data[0], img.Data[1]));
    }
}
