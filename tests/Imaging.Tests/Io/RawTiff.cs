using System.Buffers.Binary;
using System.Text;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>One tag to write: numeric values (SHORT/LONG/LONG8/RATIONAL as numerator, denominator pairs) or text.</summary>
public sealed record RawTag(ushort Tag, ushort Type, ulong[] Values, string? Text = null)
{
    public static RawTag Short(ushort tag, params ulong[] v) => new(tag, 3, v);
    public static RawTag Long(ushort tag, params ulong[] v) => new(tag, 4, v);
    public static RawTag Rational(ushort tag, ulong num, ulong den) => new(tag, 5, new[] { num, den });
    public static RawTag Ascii(ushort tag, string text) => new(tag, 2, Array.Empty<ulong>(), text);
}

/// <summary>A page: its tags and its strip (or tile) blobs, already encoded in the file's byte order.</summary>
public sealed record RawPage(List<RawTag> Tags, List<byte[]> Blobs, bool Tiled = false);

/// <summary>
/// A byte-exact TIFF writer independent of LibTiff: classic or BigTIFF, either byte order. Used to check the reader
/// against files LibTiff.NET cannot write (big-endian BigTIFF) and to build precisely damaged files.
/// </summary>
public sealed class RawTiff
{
    public RawTiff(bool bigEndian, bool bigTiff)
    {
        BigEndian = bigEndian;
        BigTiff = bigTiff;
    }

    public bool BigEndian { get; }
    public bool BigTiff { get; }
    public List<RawPage> Pages { get; } = new();
    /// <summary>Filled by <see cref="Build"/>: where each page's directory and blobs landed.</summary>
    public List<long> IfdOffsets { get; } = new();
    public List<List<long>> BlobOffsets { get; } = new();

    public byte[] Build()
    {
        IfdOffsets.Clear();
        BlobOffsets.Clear();
        var file = new List<byte>();
        int offSize = BigTiff ? 8 : 4;
        file.AddRange(BigEndian ? "MM"u8.ToArray() : "II"u8.ToArray());
        file.AddRange(U16(BigTiff ? (ushort)43 : (ushort)42));
        if (BigTiff) { file.AddRange(U16(8)); file.AddRange(U16(0)); }
        int firstPointer = file.Count;
        file.AddRange(new byte[offSize]);
        int previousNextPointer = firstPointer;
        foreach (var page in Pages)
        {
            var offsets = new List<long>();
            foreach (var blob in page.Blobs) { offsets.Add(file.Count); file.AddRange(blob); }
            BlobOffsets.Add(offsets);
            // Offsets and byte counts are filled in unless the page states them; a stated tag without values is left out.
            var tags = page.Tags.Where(t => t.Values.Length > 0 || t.Text is not null).ToList();
            var offType = BigTiff ? (ushort)16 : (ushort)4;
            ushort offTag = page.Tiled ? (ushort)324 : (ushort)273, countTag = page.Tiled ? (ushort)325 : (ushort)279;
            if (!page.Tags.Any(t => t.Tag == offTag)) tags.Add(new RawTag(offTag, offType, offsets.Select(o => (ulong)o).ToArray()));
            if (!page.Tags.Any(t => t.Tag == countTag)) tags.Add(new RawTag(countTag, offType, page.Blobs.Select(b => (ulong)b.Length).ToArray()));
            tags.Sort((a, b) => a.Tag.CompareTo(b.Tag));
            // Out-of-line values first, then the directory that points to them.
            var encoded = tags.Select(Encode).ToList();
            var valueOffsets = new long[tags.Count];
            for (int i = 0; i < tags.Count; i++)
            {
                if (encoded[i].Length > offSize)
                {
                    if (file.Count % 2 == 1) file.Add(0);
                    valueOffsets[i] = file.Count;
                    file.AddRange(encoded[i]);
                }
            }
            if (file.Count % 2 == 1) file.Add(0);
            long ifd = file.Count;
            IfdOffsets.Add(ifd);
            WriteOffset(file, previousNextPointer, ifd);
            file.AddRange(BigTiff ? U64((ulong)tags.Count) : U16((ushort)tags.Count));
            for (int i = 0; i < tags.Count; i++)
            {
                var t = tags[i];
                file.AddRange(U16(t.Tag));
                file.AddRange(U16(t.Type));
                ulong count = t.Text is not null ? (ulong)encoded[i].Length : t.Type == 5 ? (ulong)t.Values.Length / 2 : (ulong)t.Values.Length;
                file.AddRange(BigTiff ? U64(count) : U32((uint)count));
                var field = new byte[offSize];
                if (encoded[i].Length <= offSize) encoded[i].CopyTo(field, 0);
                else field = BigTiff ? U64((ulong)valueOffsets[i]) : U32((uint)valueOffsets[i]);
                file.AddRange(field);
            }
            previousNextPointer = file.Count;
            file.AddRange(new byte[offSize]);
        }
        return file.ToArray();
    }

    private byte[] Encode(RawTag t)
    {
        if (t.Text is not null) return Encoding.UTF8.GetBytes(t.Text + "\0");
        var list = new List<byte>();
        foreach (ulong v in t.Values)
        {
            list.AddRange(t.Type switch
            {
                1 => new[] { (byte)v },
                3 => U16((ushort)v),
                4 or 5 => U32((uint)v),
                _ => U64(v),
            });
        }
        return list.ToArray();
    }

    private void WriteOffset(List<byte> file, int at, long value)
    {
        var bytes = BigTiff ? U64((ulong)value) : U32((uint)value);
        for (int i = 0; i < bytes.Length; i++) file[at + i] = bytes[i];
    }

    /// <summary>Where page <paramref name="page"/>'s next-directory pointer lies in a built file.</summary>
    public long NextPointerAt(byte[] file, int page)
    {
        long ifd = IfdOffsets[page];
        ulong count = BigTiff ? ReadU64(file, ifd) : ReadU16(file, ifd);
        return ifd + (BigTiff ? 8 : 2) + (long)count * (BigTiff ? 20 : 12);
    }

    public void PatchOffset(byte[] file, long at, ulong value)
    {
        var bytes = BigTiff ? U64(value) : U32((uint)value);
        bytes.CopyTo(file, at);
    }

    private ulong ReadU16(byte[] f, long at) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan((int)at)) : BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan((int)at));
    private ulong ReadU64(byte[] f, long at) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(f.AsSpan((int)at)) : BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan((int)at));

    public byte[] U16(ushort v) { var b = new byte[2]; if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }
    public byte[] U32(uint v) { var b = new byte[4]; if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    public byte[] U64(ulong v) { var b = new byte[8]; if (BigEndian) BinaryPrimitives.WriteUInt64BigEndian(b, v); else BinaryPrimitives.WriteUInt64LittleEndian(b, v); return b; }

    /// <summary>A grayscale uncompressed page of 16-bit samples in strips of <paramref name="rowsPerStrip"/> rows.</summary>
    public RawPage Gray16(ushort[] pixels, int width, int height, int rowsPerStrip, params RawTag[] extra)
    {
        var blobs = new List<byte[]>();
        for (int y0 = 0; y0 < height; y0 += rowsPerStrip)
        {
            int rows = Math.Min(rowsPerStrip, height - y0);
            var blob = new List<byte>();
            for (int i = y0 * width; i < (y0 + rows) * width; i++) blob.AddRange(U16(pixels[i]));
            blobs.Add(blob.ToArray());
        }
        var tags = new List<RawTag>
        {
            RawTag.Long(256, (ulong)width), RawTag.Long(257, (ulong)height), RawTag.Short(258, 16), RawTag.Short(259, 1),
            RawTag.Short(262, 1), RawTag.Short(277, 1), RawTag.Long(278, (ulong)rowsPerStrip),
        };
        foreach (var t in extra)
        {
            tags.RemoveAll(x => x.Tag == t.Tag);
            tags.Add(t);
        }
        var page = new RawPage(tags, blobs);
        Pages.Add(page);
        return page;
    }
}
