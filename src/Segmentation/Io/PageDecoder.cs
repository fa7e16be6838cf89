using System.Buffers.Binary;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Segmentation.Io;

/// <summary>Decodes the current directory of an open TIFF into float planes (one per sample) or integer labels.</summary>
internal static class PageDecoder
{
    internal sealed record Page(int Height, int Width, int Samples, string SampleType, IReadOnlyList<float[]> Planes);
    internal sealed record IntPage(int Height, int Width, int[] Labels);

    private sealed record Layout(int Width, int Height, int Bits, int Samples, SampleFormat Format, bool Planar, bool Tiled, string SampleType);

    public static Page Decode(TiffSession s, long maxPixels)
    {
        var layout = ReadLayout(s, maxPixels);
        byte[] raw = ReadRaw(s, layout);
        int plane = layout.Width * layout.Height;
        var planes = new float[layout.Samples][];
        for (int c = 0; c < layout.Samples; c++) planes[c] = new float[plane];
        int bytes = layout.Bits / 8;
        // LibTiff swabs decoded samples of big-endian files to host (little-endian) order.
        for (int c = 0; c < layout.Samples; c++)
        {
            var dst = planes[c];
            for (int i = 0; i < plane; i++)
            {
                long idx = layout.Planar ? ((long)c * plane + i) * bytes : ((long)i * layout.Samples + c) * bytes;
                dst[i] = (float)Sample(raw, idx, layout);
            }
        }
        return new Page(layout.Height, layout.Width, layout.Samples, layout.SampleType, planes);
    }

    public static IntPage DecodeIntegers(TiffSession s, long maxPixels)
    {
        var layout = ReadLayout(s, maxPixels);
        if (layout.Format == SampleFormat.IEEEFP)
        {
            throw s.Fail(TiffErrorKind.UnsupportedFormat, "label image is floating point; labels must be integers (uint8/16/32)");
        }
        if (layout.Samples != 1)
            throw s.Fail(TiffErrorKind.UnsupportedFormat, $"label image has {layout.Samples} samples per pixel; labels must be a single plane");
        byte[] raw = ReadRaw(s, layout);
        int plane = layout.Width * layout.Height;
        var labels = new int[plane];
        int bytes = layout.Bits / 8;
        for (int i = 0; i < plane; i++)
        {
            double v = Sample(raw, (long)i * bytes, layout);
            if (v < 0 || v > int.MaxValue)
                throw s.Fail(TiffErrorKind.UnsupportedFormat, $"label value {v} at pixel {i} is outside 0..{int.MaxValue}");
            labels[i] = (int)v;
        }
        return new IntPage(layout.Height, layout.Width, labels);
    }

    private static Layout ReadLayout(TiffSession s, long maxPixels)
    {
        var t = s.Tiff;
        int width = GetInt(t, TiffTag.IMAGEWIDTH, -1);
        int height = GetInt(t, TiffTag.IMAGELENGTH, -1);
        if (width <= 0 || height <= 0)
            throw s.Fail(TiffErrorKind.BadDimensions, $"image dimensions {width}x{height} are not positive");
        if ((long)width * height > maxPixels)
            throw s.Fail(TiffErrorKind.TooLarge, $"{width}x{height} = {(long)width * height} pixels exceeds the limit of {maxPixels}; raise the limit if this is intended");
        int bits = GetInt(t, TiffTag.BITSPERSAMPLE, 1);
        int spp = GetInt(t, TiffTag.SAMPLESPERPIXEL, 1);
        if (spp < 1 || spp > 4)
            throw s.Fail(TiffErrorKind.UnsupportedFormat, $"{spp} samples per pixel; 1 to 4 are supported");
        var fmt = (SampleFormat)GetInt(t, TiffTag.SAMPLEFORMAT, (int)SampleFormat.UINT);
        var planar = (PlanarConfig)GetInt(t, TiffTag.PLANARCONFIG, (int)PlanarConfig.CONTIG);
        string type = (fmt, bits) switch
        {
            (SampleFormat.UINT, 8) => "uint8",
            (SampleFormat.UINT, 16) => "uint16",
            (SampleFormat.UINT, 32) => "uint32",
            (SampleFormat.INT, 8) => "int8",
            (SampleFormat.INT, 16) => "int16",
            (SampleFormat.INT, 32) => "int32",
            (SampleFormat.IEEEFP, 32) => "float32",
            _ => throw s.Fail(TiffErrorKind.UnsupportedFormat, $"{bits}-bit {fmt} samples are not supported (8/16/32-bit integers and 32-bit float are)"),
        };
        return new Layout(width, height, bits, spp, fmt, planar == PlanarConfig.SEPARATE && spp > 1, t.IsTiled(), type);
    }

    /// <summary>The page's decoded bytes: chunky (pixel-interleaved) or planar (sample after sample).</summary>
    private static byte[] ReadRaw(TiffSession s, Layout l)
    {
        var t = s.Tiff;
        int bytes = l.Bits / 8;
        int samplesPerUnit = l.Planar ? 1 : l.Samples;
        long rowBytes = (long)l.Width * samplesPerUnit * bytes;
        int planes = l.Planar ? l.Samples : 1;
        long total = rowBytes * l.Height * planes;
        if (total > int.MaxValue) throw s.Fail(TiffErrorKind.TooLarge, $"page of {total} bytes is too large to decode at once");
        var raw = new byte[total];
        try
        {
            if (l.Tiled) ReadTiles(s, l, raw, rowBytes, planes, bytes, samplesPerUnit);
            else ReadStrips(s, l, raw, rowBytes, planes);
        }
        catch (TiffReadException) { throw; }
        catch (Exception ex)
        {
            throw s.Fail(TiffErrorKind.Corrupt, $"pixel data cannot be decoded: {ex.Message}");
        }
        return raw;
    }

    private static void ReadStrips(TiffSession s, Layout l, byte[] raw, long rowBytes, int planes)
    {
        var t = s.Tiff;
        int rowsPerStrip = Math.Clamp(GetInt(t, TiffTag.ROWSPERSTRIP, l.Height), 1, l.Height);
        int stripsPerPlane = (l.Height + rowsPerStrip - 1) / rowsPerStrip;
        int nStrips = t.NumberOfStrips();
        if (nStrips < stripsPerPlane * planes)
            throw s.Fail(TiffErrorKind.Corrupt, $"{nStrips} strips, the image needs {stripsPerPlane * planes}");
        var buf = new byte[t.StripSize()];
        for (int p = 0; p < planes; p++)
        {
            for (int k = 0; k < stripsPerPlane; k++)
            {
                int strip = p * stripsPerPlane + k;
                int rows = Math.Min(rowsPerStrip, l.Height - k * rowsPerStrip);
                long want = rows * rowBytes;
                int got = t.ReadEncodedStrip(strip, buf, 0, (int)want);
                if (got < want)
                    throw s.Fail(TiffErrorKind.Truncated, $"strip {strip} decoded to {Math.Max(got, 0)} of {want} bytes; the file is truncated or corrupt");
                Buffer.BlockCopy(buf, 0, raw, (int)(p * rowBytes * l.Height + k * rowsPerStrip * rowBytes), (int)want);
            }
        }
    }

    private static void ReadTiles(TiffSession s, Layout l, byte[] raw, long rowBytes, int planes, int bytes, int samplesPerUnit)
    {
        var t = s.Tiff;
        int tw = GetInt(t, TiffTag.TILEWIDTH, 0), th = GetInt(t, TiffTag.TILELENGTH, 0);
        if (tw <= 0 || th <= 0) throw s.Fail(TiffErrorKind.Corrupt, $"tile size {tw}x{th} is not positive");
        var buf = new byte[t.TileSize()];
        int pixBytes = samplesPerUnit * bytes;
        for (int p = 0; p < planes; p++)
        {
            for (int y0 = 0; y0 < l.Height; y0 += th)
            {
                for (int x0 = 0; x0 < l.Width; x0 += tw)
                {
                    int tile = t.ComputeTile(x0, y0, 0, (short)p);
                    int got = t.ReadEncodedTile(tile, buf, 0, buf.Length);
                    if (got < (long)tw * th * pixBytes)
                        throw s.Fail(TiffErrorKind.Truncated, $"tile {tile} decoded to {Math.Max(got, 0)} bytes; the file is truncated or corrupt");
                    int rows = Math.Min(th, l.Height - y0), cols = Math.Min(tw, l.Width - x0);
                    for (int r = 0; r < rows; r++)
                    {
                        Buffer.BlockCopy(buf, r * tw * pixBytes, raw,
                            (int)(p * rowBytes * l.Height + (y0 + r) * rowBytes + (long)x0 * pixBytes), cols * pixBytes);
                    }
                }
            }
        }
    }

    private static double Sample(byte[] raw, long at, Layout l)
    {
        var span = raw.AsSpan((int)at);
        return (l.Format, l.Bits) switch
        {
            (SampleFormat.UINT, 8) => raw[at],
            (SampleFormat.INT, 8) => (sbyte)raw[at],
            (SampleFormat.UINT, 16) => BinaryPrimitives.ReadUInt16LittleEndian(span),
            (SampleFormat.INT, 16) => BinaryPrimitives.ReadInt16LittleEndian(span),
            (SampleFormat.UINT, 32) => BinaryPrimitives.ReadUInt32LittleEndian(span),
            (SampleFormat.INT, 32) => BinaryPrimitives.ReadInt32LittleEndian(span),
            (SampleFormat.IEEEFP, 32) => BinaryPrimitives.ReadSingleLittleEndian(span),
            _ => throw new InvalidOperationException($"unsupported {l.Bits}-bit {l.Format}"),
        };
    }

    private static int GetInt(Tiff t, TiffTag tag, int fallback)
    {
        var v = t.GetField(tag) ?? t.GetFieldDefaulted(tag);
        return v is { Length: > 0 } ? v[0].ToInt() : fallback;
    }
}
