using System.Runtime.InteropServices;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Imaging.Io;

/// <summary>Decodes one page of an open TIFF into float planes (one per kept sample) or integer labels.</summary>
internal static class PageDecoder
{
    internal sealed record Page(int Height, int Width, string SampleType, int StoredSamples, IReadOnlyList<float[]> Planes, bool AlphaDropped);
    internal sealed record IntPage(int Height, int Width, int[] Labels);

    private sealed record Layout(
        int Width, int Height, int Bits, int Samples, SampleFormat Format, bool Planar, bool Tiled,
        Photometric Photometric, string SampleType)
    {
        public int Bytes => Bits / 8;
    }

    private const ushort TagImageWidth = 256, TagImageLength = 257, TagBitsPerSample = 258, TagCompression = 259,
        TagPhotometric = 262, TagStripOffsets = 273, TagSamplesPerPixel = 277, TagRowsPerStrip = 278,
        TagStripByteCounts = 279, TagPlanarConfig = 284, TagColorMap = 320, TagTileWidth = 322, TagTileLength = 323,
        TagTileOffsets = 324, TagTileByteCounts = 325, TagExtraSamples = 338, TagSampleFormat = 339;

    public static Page Decode(TiffSession s, int page, TiffReadOptions o, bool imageJ)
    {
        var l = Prepare(s, page, o.MaxPixels);
        byte[] raw = ReadRaw(s, l);
        int plane = l.Width * l.Height;

        if (l.Photometric == Photometric.PALETTE && UsePalette(s, o, imageJ))
            return new Page(l.Height, l.Width, "uint8", l.Samples, ExpandPalette(s, page, l, raw), false);

        var keep = KeptSamples(s, page, l, o.DropAlpha);
        var planes = new float[keep.Count][];
        for (int k = 0; k < keep.Count; k++)
        {
            planes[k] = new float[plane];
            ConvertSample(raw, l, keep[k], planes[k]);
        }
        return new Page(l.Height, l.Width, l.SampleType, l.Samples, planes, keep.Count < l.Samples);
    }

    public static IntPage DecodeIntegers(TiffSession s, int page, TiffReadOptions o)
    {
        var l = Prepare(s, page, o.MaxPixels);
        if (l.Samples != 1)
            throw s.Fail(TiffErrorKind.UnsupportedFormat, $"label image has {l.Samples} samples per pixel; labels must be a single plane");
        byte[] raw = ReadRaw(s, l);
        var labels = new int[l.Width * l.Height];
        if (l.Format == SampleFormat.IEEEFP)
        {
            var values = new float[labels.Length];
            ConvertSample(raw, l, 0, values);
            for (int i = 0; i < values.Length; i++)
            {
                float v = values[i];
                // Some tools save masks as float; accept them only when every value is a whole, non-negative label.
                if (!(v >= 0 && v <= 16777216f) || v != MathF.Floor(v))
                    throw s.Fail(TiffErrorKind.UnsupportedFormat, $"float label image holds {v} at pixel ({i % l.Width}, {i / l.Width}); labels must be whole numbers 0..16777216 (save masks as uint16/uint32)");
                labels[i] = (int)v;
            }
            return new IntPage(l.Height, l.Width, labels);
        }
        var wide = new long[labels.Length];
        IntegersOf(raw, l, wide);
        for (int i = 0; i < labels.Length; i++)
        {
            long v = wide[i];
            if (v < 0 || v > int.MaxValue)
                throw s.Fail(TiffErrorKind.UnsupportedFormat, $"label value {v} at pixel ({i % l.Width}, {i / l.Width}) is outside 0..{int.MaxValue}");
            labels[i] = (int)v;
        }
        return new IntPage(l.Height, l.Width, labels);
    }

    /// <summary>Checks the page's directory against the file, then loads it in LibTiff and reads its layout.</summary>
    private static Layout Prepare(TiffSession s, int page, long maxPixels)
    {
        CheckStructure(s, page, maxPixels);
        s.Select(page);
        return ReadLayout(s, page);
    }

    internal static void CheckStructure(TiffSession s, int page, long maxPixels)
    {
        var st = s.Structure;
        var ifd = st.Pages[page];
        string where = $"page {page}";
        ulong width = st.UInt(ifd, TagImageWidth) ?? throw s.Fail(TiffErrorKind.Corrupt, $"{where} lacks the required ImageWidth tag (256)");
        ulong height = st.UInt(ifd, TagImageLength) ?? throw s.Fail(TiffErrorKind.Corrupt, $"{where} lacks the required ImageLength tag (257)");
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw s.Fail(TiffErrorKind.BadDimensions, $"{where} has image dimensions {width}x{height}; both must be between 1 and {int.MaxValue}");
        if (width * height > (ulong)maxPixels)
            throw s.Fail(TiffErrorKind.TooLarge, $"{where} is {width}x{height} = {width * height} pixels, more than the limit of {maxPixels}; raise TiffReadOptions.MaxPixels if this is intended");
        ulong spp = st.UInt(ifd, TagSamplesPerPixel) ?? 1;
        if (spp is < 1 or > 4)
            throw s.Fail(TiffErrorKind.UnsupportedFormat, $"{where} has {spp} samples per pixel; 1 to 4 are supported (save channels as pages instead)");
        bool planar = (st.UInt(ifd, TagPlanarConfig) ?? 1) == 2 && spp > 1;
        int planes = planar ? (int)spp : 1;

        bool tiled = ifd.Has(TagTileWidth) || ifd.Has(TagTileOffsets);
        long needed;
        ushort offsetsTag, countsTag;
        string unit;
        if (tiled)
        {
            ulong tw = st.UInt(ifd, TagTileWidth) ?? 0, th = st.UInt(ifd, TagTileLength) ?? 0;
            if (tw == 0 || th == 0 || tw > 1 << 16 || th > 1 << 16)
                throw s.Fail(TiffErrorKind.Corrupt, $"{where} has tile size {tw}x{th}; tiles must be 1..65536 pixels on each side");
            needed = (long)((width + tw - 1) / tw * ((height + th - 1) / th)) * planes;
            (offsetsTag, countsTag, unit) = (TagTileOffsets, TagTileByteCounts, "tile");
        }
        else
        {
            ulong rps = st.UInt(ifd, TagRowsPerStrip) ?? height;
            if (rps == 0 || rps > height) rps = height;
            needed = (long)((height + rps - 1) / rps) * planes;
            (offsetsTag, countsTag, unit) = (TagStripOffsets, TagStripByteCounts, "strip");
        }
        var offsets = st.UInts(ifd, offsetsTag)
            ?? throw s.Fail(TiffErrorKind.Corrupt, $"{where} lacks the required {(tiled ? "TileOffsets (324)" : "StripOffsets (273)")} tag");
        if (offsets.Length < needed)
            throw s.Fail(TiffErrorKind.Corrupt, $"{where} lists {offsets.Length} {unit} offsets; its layout needs {needed}");
        var counts = st.UInts(ifd, countsTag);
        if (counts is null)
        {
            // LibTiff estimates missing byte counts only for uncompressed data; compressed data cannot be bounded.
            if ((st.UInt(ifd, TagCompression) ?? 1) != 1)
                throw s.Fail(TiffErrorKind.Corrupt, $"{where} lacks the required {(tiled ? "TileByteCounts (325)" : "StripByteCounts (279)")} tag");
            return;
        }
        if (counts.Length < needed)
            throw s.Fail(TiffErrorKind.Corrupt, $"{where} lists {counts.Length} {unit} byte counts; its layout needs {needed}");
        for (long i = 0; i < needed; i++)
        {
            ulong off = offsets[i], n = counts[i];
            if (n == 0) throw s.Fail(TiffErrorKind.Corrupt, $"{where}: {unit} {i} has a byte count of 0 (no data)");
            if (off >= (ulong)st.Length || n > (ulong)st.Length - off)
                throw s.Fail(TiffErrorKind.Truncated, $"{where}: {unit} {i} ({n} bytes at offset {off}) lies beyond the end of the file ({st.Length} bytes); the file is truncated or its offsets are corrupt");
            // Pixel data never lies in the header or in a directory: such offsets are a damaged or forged file, and reading
            // them would turn the file's own structure into pixels.
            if (off < (ulong)st.HeaderLength)
                throw s.Fail(TiffErrorKind.Corrupt, $"{where}: {unit} {i} starts at offset {off}, inside the {st.HeaderLength}-byte TIFF header{(off == 0 ? " (an offset of 0 means the writer never filled it in)" : "")}; the file is damaged: re-export it");
            if (st.DirectoryOverlapping((long)off, (long)n) is var dir and >= 0)
                throw s.Fail(TiffErrorKind.Corrupt, $"{where}: {unit} {i} ({n} bytes at offset {off}) overlaps page {dir}'s directory at offset {st.Pages[dir].Offset}; the file is damaged: re-export it");
        }
    }

    private static Layout ReadLayout(TiffSession s, int page)
    {
        var t = s.Tiff;
        string where = $"page {page}";
        int width = GetInt(t, TiffTag.IMAGEWIDTH, -1);
        int height = GetInt(t, TiffTag.IMAGELENGTH, -1);
        int bits = GetInt(t, TiffTag.BITSPERSAMPLE, 1);
        int spp = GetInt(t, TiffTag.SAMPLESPERPIXEL, 1);
        var compression = (Compression)GetInt(t, TiffTag.COMPRESSION, (int)Compression.NONE);
        if (compression is not (Compression.NONE or Compression.LZW or Compression.ADOBE_DEFLATE or Compression.DEFLATE or Compression.PACKBITS))
            throw s.Fail(TiffErrorKind.UnsupportedFormat, $"{where} uses {compression} compression; supported are none, LZW, Deflate and PackBits (re-save the image with one of them)");
        var format = (SampleFormat)GetInt(t, TiffTag.SAMPLEFORMAT, (int)SampleFormat.UINT);
        if (format == SampleFormat.VOID) format = SampleFormat.UINT; // "untyped" data is read as unsigned, like libtiff
        var planar = (PlanarConfig)GetInt(t, TiffTag.PLANARCONFIG, (int)PlanarConfig.CONTIG);
        var photometric = (Photometric)GetInt(t, TiffTag.PHOTOMETRIC, spp >= 3 ? (int)Photometric.RGB : (int)Photometric.MINISBLACK);
        if (photometric is not (Photometric.MINISBLACK or Photometric.MINISWHITE or Photometric.RGB or Photometric.PALETTE or Photometric.SEPARATED))
            throw s.Fail(TiffErrorKind.UnsupportedFormat, $"{where} has photometric interpretation {photometric}; supported are grayscale, RGB, palette and separated channels");
        string type = (format, bits) switch
        {
            (SampleFormat.UINT, 8) => "uint8",
            (SampleFormat.UINT, 16) => "uint16",
            (SampleFormat.UINT, 32) => "uint32",
            (SampleFormat.INT, 8) => "int8",
            (SampleFormat.INT, 16) => "int16",
            (SampleFormat.INT, 32) => "int32",
            (SampleFormat.IEEEFP, 32) => "float32",
            _ => throw s.Fail(TiffErrorKind.UnsupportedFormat, $"{where} stores {bits}-bit {FormatName(format)} samples; supported are 8/16/32-bit integers and 32-bit float (convert the image, e.g. in Fiji)"),
        };
        if (width <= 0 || height <= 0)
            throw s.Fail(TiffErrorKind.BadDimensions, $"{where} has image dimensions {width}x{height}");
        if (photometric == Photometric.PALETTE && (spp != 1 || format != SampleFormat.UINT || bits > 16))
            throw s.Fail(TiffErrorKind.UnsupportedFormat, $"{where} is a palette image with {spp} {bits}-bit samples; palette images need one 8- or 16-bit index");
        return new Layout(width, height, bits, spp, format, planar == PlanarConfig.SEPARATE && spp > 1, t.IsTiled(), photometric, type);
    }

    private static string FormatName(SampleFormat f) => f switch
    {
        SampleFormat.UINT => "unsigned integer",
        SampleFormat.INT => "signed integer",
        SampleFormat.IEEEFP => "floating-point",
        SampleFormat.COMPLEXINT => "complex integer",
        SampleFormat.COMPLEXIEEEFP => "complex floating-point",
        _ => $"sample format {(int)f}",
    };

    /// <summary>The page's decoded bytes in host byte order: chunky (pixel-interleaved) or planar (sample after sample).</summary>
    private static byte[] ReadRaw(TiffSession s, Layout l)
    {
        int samplesPerUnit = l.Planar ? 1 : l.Samples;
        long rowBytes = (long)l.Width * samplesPerUnit * l.Bytes;
        int planes = l.Planar ? l.Samples : 1;
        long total = rowBytes * l.Height * planes;
        if (total > Array.MaxLength) throw s.Fail(TiffErrorKind.TooLarge, $"a page of {total} bytes is too large to decode at once");
        var raw = new byte[total];
        try
        {
            if (l.Tiled) ReadTiles(s, l, raw, rowBytes, planes, samplesPerUnit);
            else ReadStrips(s, l, raw, rowBytes, planes);
        }
        catch (TiffReadException) { throw; }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // LibTiff's codecs throw IndexOutOfRange, InvalidOperation and the like on damaged data.
            throw s.Fail(TiffErrorKind.Corrupt, $"pixel data cannot be decoded ({ex.GetType().Name}: {ex.Message})", ex);
        }
        return raw;
    }

    private static void ReadStrips(TiffSession s, Layout l, byte[] raw, long rowBytes, int planes)
    {
        var t = s.Tiff;
        // RowsPerStrip is unsigned; its default (2^32-1, "one strip") must not be read as -1.
        long rps = GetLong(t, TiffTag.ROWSPERSTRIP, l.Height);
        int rowsPerStrip = (int)(rps <= 0 || rps > l.Height ? l.Height : rps);
        int stripsPerPlane = (l.Height + rowsPerStrip - 1) / rowsPerStrip;
        int nStrips = t.NumberOfStrips();
        if (nStrips < stripsPerPlane * planes)
            throw s.Fail(TiffErrorKind.Corrupt, $"{nStrips} strips, the image needs {stripsPerPlane * planes}");
        var buf = new byte[rowsPerStrip * rowBytes];
        long planeBytes = rowBytes * l.Height;
        for (int p = 0; p < planes; p++)
        {
            for (int k = 0; k < stripsPerPlane; k++)
            {
                int strip = p * stripsPerPlane + k;
                int rows = Math.Min(rowsPerStrip, l.Height - k * rowsPerStrip);
                int want = (int)(rows * rowBytes);
                int got = t.ReadEncodedStrip(strip, buf, 0, want);
                if (got < want)
                    throw s.Fail(TiffErrorKind.Corrupt, $"strip {strip} decoded to {Math.Max(got, 0)} of {want} bytes; its compressed data is damaged");
                Buffer.BlockCopy(buf, 0, raw, (int)(p * planeBytes + (long)k * rowsPerStrip * rowBytes), want);
            }
        }
    }

    private static void ReadTiles(TiffSession s, Layout l, byte[] raw, long rowBytes, int planes, int samplesPerUnit)
    {
        var t = s.Tiff;
        int tw = GetInt(t, TiffTag.TILEWIDTH, 0), th = GetInt(t, TiffTag.TILELENGTH, 0);
        if (tw <= 0 || th <= 0) throw s.Fail(TiffErrorKind.Corrupt, $"tile size {tw}x{th} is not positive");
        int pixBytes = samplesPerUnit * l.Bytes;
        // Edge tiles are stored full size; only their top-left part lies inside the image.
        int tileBytes = tw * th * pixBytes;
        var buf = new byte[tileBytes];
        long planeBytes = rowBytes * l.Height;
        for (int p = 0; p < planes; p++)
        {
            for (int y0 = 0; y0 < l.Height; y0 += th)
            {
                for (int x0 = 0; x0 < l.Width; x0 += tw)
                {
                    int tile = t.ComputeTile(x0, y0, 0, (short)p);
                    int got = t.ReadEncodedTile(tile, buf, 0, tileBytes);
                    if (got < tileBytes)
                        throw s.Fail(TiffErrorKind.Corrupt, $"tile {tile} decoded to {Math.Max(got, 0)} of {tileBytes} bytes; its compressed data is damaged");
                    int rows = Math.Min(th, l.Height - y0), cols = Math.Min(tw, l.Width - x0);
                    for (int r = 0; r < rows; r++)
                    {
                        Buffer.BlockCopy(buf, r * tw * pixBytes, raw,
                            (int)(p * planeBytes + (y0 + r) * rowBytes + (long)x0 * pixBytes), cols * pixBytes);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Samples that become channels. Alpha is dropped for segmentation (it carries no stain); for RGB every sample past
    /// the third counts as alpha, since brightfield RGBA writers often omit ExtraSamples. Unspecified extra samples of
    /// grayscale pages are real channels and are kept.
    /// </summary>
    private static List<int> KeptSamples(TiffSession s, int page, Layout l, bool dropAlpha)
    {
        var keep = new List<int>(l.Samples);
        int colour = l.Photometric == Photometric.RGB ? Math.Min(3, l.Samples) : 1;
        var extra = s.Structure.UInts(s.Structure.Pages[page], TagExtraSamples) ?? Array.Empty<ulong>();
        for (int c = 0; c < l.Samples; c++)
        {
            if (dropAlpha && c >= colour)
            {
                int e = c - colour;
                ulong kind = e < extra.Length ? extra[e] : 0;
                if (kind is 1 or 2 || l.Photometric == Photometric.RGB) continue;
            }
            keep.Add(c);
        }
        return keep;
    }

    private static bool UsePalette(TiffSession s, TiffReadOptions o, bool imageJ) => o.Palette switch
    {
        PaletteHandling.Indices => false,
        PaletteHandling.ExpandToRgb => true,
        PaletteHandling.Reject => throw s.Fail(TiffErrorKind.UnsupportedFormat, "palette (indexed colour) image; set TiffReadOptions.Palette to Indices or ExpandToRgb to read it"),
        // ImageJ stores a display LUT as a palette: the indices are the measured intensities.
        _ => !imageJ,
    };

    /// <summary>Palette indices become R, G, B channels scaled to 0..255 (colour maps hold 16-bit entries).</summary>
    private static float[][] ExpandPalette(TiffSession s, int page, Layout l, byte[] raw)
    {
        int entries = 1 << l.Bits;
        var map = s.Structure.UInts(s.Structure.Pages[page], TagColorMap);
        if (map is null || map.Length < 3 * entries)
            throw s.Fail(TiffErrorKind.Corrupt, $"palette image has {(map is null ? "no" : $"a {map.Length}-entry")} ColorMap; {3 * entries} entries are needed");
        bool sixteenBit = false;
        for (int i = 0; i < 3 * entries; i++) if (map[i] > 255) { sixteenBit = true; break; }
        float scale = sixteenBit ? 1f / 257f : 1f;
        int plane = l.Width * l.Height;
        var idx = new float[plane];
        ConvertSample(raw, l, 0, idx);
        var rgb = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            rgb[c] = new float[plane];
            for (int i = 0; i < plane; i++) rgb[c][i] = MathF.Round(map[c * entries + (int)idx[i]] * scale);
        }
        return rgb;
    }

    private static void ConvertSample(byte[] raw, Layout l, int sample, float[] dst)
    {
        int plane = l.Width * l.Height;
        int start = l.Planar ? sample * plane : sample;
        int step = l.Planar ? 1 : l.Samples;
        switch (l.SampleType)
        {
            case "uint8": { var v = raw; for (int i = 0, j = start; i < plane; i++, j += step) dst[i] = v[j]; break; }
            case "int8": { var v = MemoryMarshal.Cast<byte, sbyte>(raw); for (int i = 0, j = start; i < plane; i++, j += step) dst[i] = v[j]; break; }
            case "uint16": { var v = MemoryMarshal.Cast<byte, ushort>(raw); for (int i = 0, j = start; i < plane; i++, j += step) dst[i] = v[j]; break; }
            case "int16": { var v = MemoryMarshal.Cast<byte, short>(raw); for (int i = 0, j = start; i < plane; i++, j += step) dst[i] = v[j]; break; }
            case "uint32": { var v = MemoryMarshal.Cast<byte, uint>(raw); for (int i = 0, j = start; i < plane; i++, j += step) dst[i] = v[j]; break; }
            case "int32": { var v = MemoryMarshal.Cast<byte, int>(raw); for (int i = 0, j = start; i < plane; i++, j += step) dst[i] = v[j]; break; }
            default: { var v = MemoryMarshal.Cast<byte, float>(raw); for (int i = 0, j = start; i < plane; i++, j += step) dst[i] = v[j]; break; }
        }
    }

    private static void IntegersOf(byte[] raw, Layout l, long[] dst)
    {
        switch (l.SampleType)
        {
            case "uint8": for (int i = 0; i < dst.Length; i++) dst[i] = raw[i]; break;
            case "int8": { var v = MemoryMarshal.Cast<byte, sbyte>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = v[i]; break; }
            case "uint16": { var v = MemoryMarshal.Cast<byte, ushort>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = v[i]; break; }
            case "int16": { var v = MemoryMarshal.Cast<byte, short>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = v[i]; break; }
            case "uint32": { var v = MemoryMarshal.Cast<byte, uint>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = v[i]; break; }
            default: { var v = MemoryMarshal.Cast<byte, int>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = v[i]; break; }
        }
    }

    private static int GetInt(Tiff t, TiffTag tag, int fallback)
    {
        var v = t.GetField(tag) ?? t.GetFieldDefaulted(tag);
        return v is { Length: > 0 } ? v[0].ToInt() : fallback;
    }

    private static long GetLong(Tiff t, TiffTag tag, long fallback)
    {
        var v = t.GetField(tag) ?? t.GetFieldDefaulted(tag);
        return v is { Length: > 0 } ? (long)v[0].ToUInt() : fallback;
    }
}
