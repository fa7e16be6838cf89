using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using SkiaSharp;

namespace AcqSeg.Imaging.Outputs;

/// <summary>
/// PNG files of 8-bit RGB and 8- or 16-bit gray, unfiltered (every scanline's filter byte is 0, as readers of Cellpose's
/// mask PNGs expect). SkiaSharp encodes RGB and 8-bit gray.
/// </summary>
public static class PngEncoder
{
    // Filter type None on every row (NoFilters would mean "no flags", and libpng then picks filters itself); zlib level 1,
    // what the hand-written encoder used (ZLibStream's Fastest): outlines are written for every frame.
    private static readonly SKPngEncoderOptions Options = new(SKPngEncoderFilterFlags.None, zLibLevel: 1);

    /// <summary>Writes interleaved RGB bytes (length = 3 * width * height).</summary>
    public static void WriteRgb(string path, byte[] rgb, int width, int height)
    {
        using var file = File.Create(path);
        WriteRgb(file, rgb, width, height);
    }

    /// <summary>Interleaved RGB bytes as a PNG in memory.</summary>
    public static byte[] EncodeRgb(byte[] rgb, int width, int height)
    {
        using var png = new MemoryStream();
        WriteRgb(png, rgb, width, height);
        return png.ToArray();
    }

    /// <summary>8-bit gray bytes (length = width * height) as a PNG in memory.</summary>
    public static byte[] EncodeGray(byte[] gray, int width, int height)
    {
        if (gray.Length != (long)width * height)
            throw new ArgumentException($"gray buffer has {gray.Length} bytes, {width}x{height} needs {(long)width * height}", nameof(gray));
        using var png = new MemoryStream();
        Encode(png, gray, new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        return png.ToArray();
    }

    /// <summary>Writes a grayscale image; 16-bit samples are big-endian, as PNG stores them.</summary>
    public static void WriteGray(string path, byte[] samples, int width, int height, int bitDepth)
    {
        if (bitDepth is not (8 or 16)) throw new ArgumentOutOfRangeException(nameof(bitDepth), bitDepth, "gray PNGs here are 8 or 16 bit");
        long need = (long)width * height * bitDepth / 8;
        if (samples.Length != need)
            throw new ArgumentException($"gray buffer has {samples.Length} bytes, {width}x{height} at {bitDepth} bit needs {need}", nameof(samples));
        using var file = File.Create(path);
        if (bitDepth == 8) Encode(file, samples, new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        else Gray16.Write(file, samples, width, height);
    }

    private static void WriteRgb(Stream target, byte[] rgb, int width, int height)
    {
        if (rgb.Length != 3L * width * height)
            throw new ArgumentException($"RGB buffer has {rgb.Length} bytes, {width}x{height} needs {3L * width * height}", nameof(rgb));
        // Skia has no packed 3-byte colour type: RGB plus an unused byte, which its encoder leaves out (colour type 2).
        var rgbx = new byte[4L * width * height];
        for (long i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgbx[j] = rgb[i];
            rgbx[j + 1] = rgb[i + 1];
            rgbx[j + 2] = rgb[i + 2];
        }
        Encode(target, rgbx, new SKImageInfo(width, height, SKColorType.Rgb888x, SKAlphaType.Opaque));
    }

    private static unsafe void Encode(Stream target, byte[] pixels, SKImageInfo info)
    {
        fixed (byte* p = pixels)
        {
            using var pixmap = new SKPixmap(info, (nint)p, info.RowBytes);
            using var stream = new SKManagedWStream(target);
            if (!pixmap.Encode(stream, Options))
                throw new IOException($"SkiaSharp could not encode a {info.Width}x{info.Height} {info.ColorType} PNG");
        }
    }

    /// <summary>By hand: Skia's PNG encoder writes no 16-bit gray (Alpha16 and Rgba16161616 pixmaps fail to encode), and masks with more than 255 labels need it.</summary>
    private static class Gray16
    {
        private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

        public static void Write(Stream s, byte[] samples, int width, int height)
        {
            s.Write(Signature);
            var header = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0), width);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
            header[8] = 16; // bit depth; colour type 0 (gray), compression, filter and interlace 0
            Chunk(s, "IHDR", header);
            using var raw = new MemoryStream();
            using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
            {
                int rowBytes = 2 * width;
                for (int y = 0; y < height; y++)
                {
                    z.WriteByte(0); // filter: none
                    z.Write(samples, y * rowBytes, rowBytes);
                }
            }
            Chunk(s, "IDAT", raw.ToArray());
            Chunk(s, "IEND", []);
        }

        private static void Chunk(Stream s, string type, byte[] data)
        {
            Span<byte> word = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
            s.Write(word);
            byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
            s.Write(typeBytes);
            s.Write(data);
            var crc = new Crc32(); // PNG's CRC (ISO 3309) over type and data
            crc.Append(typeBytes);
            crc.Append(data);
            BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
            s.Write(word);
        }
    }
}
