using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace AcqSeg.Imaging.Io;

/// <summary>
/// Reads PNG and JPEG inputs as Cellpose reads them (cv2.imread, unchanged): gray as one channel, colour as R, G, B with
/// alpha dropped, 16-bit PNG samples kept. SkiaSharp decodes 8-bit PNG and JPEG. It hands 16-bit PNGs back as 8-bit gray
/// or half floats (11 significant bits), which would lose a camera's range, so those are decoded here from the PNG
/// specification (IHDR, the inflated IDAT stream, the five row filters). Failures are <see cref="TiffReadException"/>s
/// naming the file, like every other image input.
/// </summary>
public static class RasterReader
{
    private static readonly byte[] PngSignature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>True for .png, .jpg and .jpeg names (any case).</summary>
    public static bool Handles(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg";

    /// <summary>Sample type, channels and (PNG pHYs in metres) pixel size; a PNG or JPEG is always a single plane.</summary>
    public static TiffMetadata ReadMetadata(string path) => MetadataOf(path, ReadFile(path));

    public static ImageData Read(string path)
    {
        byte[] bytes = ReadFile(path);
        var meta = MetadataOf(path, bytes);
        if (IsPng(bytes) && PngHeader.Parse(path, bytes) is { BitDepth: 16 } png)
            return new ImageData(Png16.Decode(path, png, bytes), png.Channels, png.Height, png.Width, meta);
        return DecodeWithSkia(path, bytes, meta);
    }

    private static TiffMetadata MetadataOf(string path, byte[] bytes)
    {
        if (IsPng(bytes))
        {
            var png = PngHeader.Parse(path, bytes);
            var meta = new TiffMetadata { SampleType = png.BitDepth == 16 ? "uint16" : "uint8", SamplesPerPixel = png.Channels };
            return png.MicrometresPerPixel is { } um ? meta with { PixelSizeX = um.X, PixelSizeY = um.Y, PixelSizeUnit = "µm" } : meta;
        }
        using var data = SKData.CreateCopy(bytes);
        using var codec = OpenCodec(path, data);
        return new TiffMetadata { SampleType = "uint8", SamplesPerPixel = codec.Info.ColorType == SKColorType.Gray8 ? 1 : 3 };
    }

    private static byte[] ReadFile(string path)
    {
        if (!File.Exists(path)) throw new TiffReadException(path, TiffErrorKind.Unreadable, "file not found; check the path");
        try { return File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TiffReadException(path, TiffErrorKind.Unreadable, $"cannot read the file: {ex.Message}", ex);
        }
    }

    private static bool IsPng(byte[] bytes) => bytes.AsSpan().StartsWith(PngSignature);

    private static SKCodec OpenCodec(string path, SKData data) =>
        SKCodec.Create(data)
        ?? throw new TiffReadException(path, TiffErrorKind.Corrupt, "is not a PNG or JPEG image SkiaSharp can decode; convert it to TIFF, PNG or JPEG");

    /// <summary>Decoded as unpremultiplied RGBA whatever the source (gray comes back with R = G = B, so no conversion can fail).</summary>
    private static unsafe ImageData DecodeWithSkia(string path, byte[] bytes, TiffMetadata meta)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = OpenCodec(path, data);
        int w = codec.Info.Width, h = codec.Info.Height;
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = new byte[(long)info.RowBytes * h];
        SKCodecResult result;
        fixed (byte* p = pixels) result = codec.GetPixels(info, (nint)p);
        if (result == SKCodecResult.IncompleteInput)
            throw new TiffReadException(path, TiffErrorKind.Truncated, "the image data ends early; the file is truncated (still being written?)");
        if (result != SKCodecResult.Success)
            throw new TiffReadException(path, TiffErrorKind.Corrupt, $"cannot be decoded (SkiaSharp: {result})");
        int channels = meta.SamplesPerPixel, plane = w * h;
        var values = new float[(long)channels * plane];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < channels; c++) values[c * plane + y * w + x] = pixels[y * info.RowBytes + x * 4 + c];
        return new ImageData(values, channels, h, w, meta);
    }

    /// <summary>The IHDR fields, the pHYs pixel size and the IDAT chunks' locations.</summary>
    private sealed record PngHeader(int Width, int Height, int BitDepth, int ColourType, bool Interlaced, (double X, double Y)? MicrometresPerPixel,
        List<(int Offset, int Length)> Idat)
    {
        /// <summary>Channels as read: gray (with or without alpha) 1, colour or palette 3 (alpha dropped).</summary>
        public int Channels => ColourType is 0 or 4 ? 1 : 3;

        public static PngHeader Parse(string path, byte[] f)
        {
            int pos = 8, width = 0, height = 0, depth = 0, colour = 0;
            bool interlaced = false, seenHeader = false;
            (double, double)? um = null;
            var idat = new List<(int, int)>();
            while (pos + 8 <= f.Length)
            {
                int len = BinaryPrimitives.ReadInt32BigEndian(f.AsSpan(pos));
                string type = System.Text.Encoding.ASCII.GetString(f, pos + 4, 4);
                if (len < 0 || (long)pos + 12 + len > f.Length)
                    throw new TiffReadException(path, TiffErrorKind.Truncated, $"the PNG chunk {type} at byte {pos} runs past the end of the file ({f.Length} bytes)");
                var body = f.AsSpan(pos + 8, len);
                switch (type)
                {
                    case "IHDR" when len >= 13:
                        width = BinaryPrimitives.ReadInt32BigEndian(body);
                        height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                        (depth, colour, interlaced, seenHeader) = (body[8], body[9], body[12] != 0, true);
                        break;
                    case "pHYs" when len >= 9 && body[8] == 1:
                        uint px = BinaryPrimitives.ReadUInt32BigEndian(body), py = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                        if (px > 0 && py > 0) um = (1e6 / px, 1e6 / py); // pixels per metre
                        break;
                    case "IDAT":
                        idat.Add((pos + 8, len));
                        break;
                }
                pos += 12 + len;
                if (type == "IEND") break;
            }
            if (!seenHeader || width < 1 || height < 1)
                throw new TiffReadException(path, TiffErrorKind.Corrupt, "the PNG has no valid IHDR header");
            if (idat.Count == 0)
                throw new TiffReadException(path, TiffErrorKind.Truncated, "the PNG has no image data (IDAT); the file is truncated or damaged");
            return new PngHeader(width, height, depth, colour, interlaced, um, idat);
        }
    }

    private static class Png16
    {
        public static float[] Decode(string path, PngHeader png, byte[] f)
        {
            if (png.Interlaced)
                throw new TiffReadException(path, TiffErrorKind.UnsupportedFormat, "is an interlaced 16-bit PNG, which is not supported; re-save it without interlacing or as TIFF");
            int samples = png.ColourType switch
            {
                0 => 1,
                4 => 2,
                2 => 3,
                6 => 4,
                _ => throw new TiffReadException(path, TiffErrorKind.Corrupt, $"declares PNG colour type {png.ColourType} at 16 bits, which PNG does not allow"),
            };
            int bpp = samples * 2;
            long stride = (long)png.Width * bpp;
            long need = (stride + 1) * png.Height;
            if (need > int.MaxValue) throw new TiffReadException(path, TiffErrorKind.TooLarge, $"{png.Width}x{png.Height} 16-bit PNG is too large; save it as (Big)TIFF");
            var raw = new byte[need];
            using (var idat = new MemoryStream())
            {
                foreach (var (offset, length) in png.Idat) idat.Write(f, offset, length);
                idat.Position = 0;
                try
                {
                    using var z = new ZLibStream(idat, CompressionMode.Decompress);
                    int done = 0;
                    while (done < raw.Length)
                    {
                        int n = z.Read(raw, done, raw.Length - done);
                        if (n == 0) throw new TiffReadException(path, TiffErrorKind.Truncated, $"the PNG's image data holds {done} of {need} bytes; the file is truncated");
                        done += n;
                    }
                }
                catch (InvalidDataException ex)
                {
                    throw new TiffReadException(path, TiffErrorKind.Corrupt, $"the PNG's compressed image data is damaged ({ex.Message})", ex);
                }
            }
            Unfilter(path, raw, png.Height, (int)stride, bpp);

            int channels = png.Channels, plane = png.Width * png.Height;
            var values = new float[(long)channels * plane];
            for (int y = 0; y < png.Height; y++)
            {
                int row = y * ((int)stride + 1) + 1;
                for (int x = 0; x < png.Width; x++)
                {
                    int i = y * png.Width + x;
                    for (int c = 0; c < channels; c++)
                        values[c * plane + i] = BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(row + x * bpp + c * 2));
                }
            }
            return values;
        }

        /// <summary>Undoes the per-row filters in place (None, Sub, Up, Average, Paeth), each row after its filter byte.</summary>
        private static void Unfilter(string path, byte[] raw, int height, int stride, int bpp)
        {
            for (int y = 0; y < height; y++)
            {
                int row = y * (stride + 1), prev = row - (stride + 1);
                byte filter = raw[row];
                for (int i = 0; i < stride; i++)
                {
                    int at = row + 1 + i;
                    int a = i >= bpp ? raw[at - bpp] : 0, b = y > 0 ? raw[prev + 1 + i] : 0, c = y > 0 && i >= bpp ? raw[prev + 1 + i - bpp] : 0;
                    raw[at] = filter switch
                    {
                        0 => raw[at],
                        1 => (byte)(raw[at] + a),
                        2 => (byte)(raw[at] + b),
                        3 => (byte)(raw[at] + ((a + b) >> 1)),
                        4 => (byte)(raw[at] + Paeth(a, b, c)),
                        _ => throw new TiffReadException(path, TiffErrorKind.Corrupt, $"row {y} of the PNG has the unknown filter type {filter}"),
                    };
                }
            }
        }

        private static int Paeth(int a, int b, int c)
        {
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
    }
}
