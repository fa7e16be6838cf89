using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace AcqSeg.Imaging.Io;

/// <summary>One tag of a directory: where its values lie in the file (inline values point into the entry itself).</summary>
internal readonly record struct IfdEntry(ushort Tag, ushort Type, ulong Count, long DataOffset, long ByteLength);

/// <summary>One image file directory (page) and its tags.</summary>
internal sealed class Ifd
{
    public Ifd(long offset, long byteLength, Dictionary<ushort, IfdEntry> entries)
    {
        Offset = offset;
        ByteLength = byteLength;
        Entries = entries;
    }

    public long Offset { get; }
    /// <summary>The directory's own bytes: entry count, entries and the next-directory pointer.</summary>
    public long ByteLength { get; }
    public Dictionary<ushort, IfdEntry> Entries { get; }
    public bool Has(ushort tag) => Entries.ContainsKey(tag);
}

/// <summary>
/// An independent walk of the TIFF structure (header, directory chain, tag value ranges) before LibTiff sees the file.
/// LibTiff trusts offsets and counts: an IFD loop, a directory cut short or a tag claiming gigabytes would make it hang,
/// allocate absurdly or throw from deep inside. Checking every range against the file length first turns each of those
/// into a <see cref="TiffReadException"/> naming the file.
/// </summary>
internal sealed class TiffStructure : IDisposable
{
    /// <summary>More pages than this is not a microscopy image but a damaged chain (or a denial of service).</summary>
    public const int MaxPages = 1_000_000;
    private const int MaxEntriesPerIfd = 10_000;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly SafeFileHandle _handle;

    private TiffStructure(string path, SafeFileHandle handle, long length, bool bigEndian, bool bigTiff)
    {
        Path = path;
        _handle = handle;
        Length = length;
        BigEndian = bigEndian;
        BigTiff = bigTiff;
    }

    public string Path { get; }
    public long Length { get; }
    public bool BigEndian { get; }
    public bool BigTiff { get; }
    public List<Ifd> Pages { get; } = new();

    public static TiffStructure Open(string path)
    {
        SafeFileHandle handle;
        long length;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            length = RandomAccess.GetLength(handle);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            throw new TiffReadException(path, TiffErrorKind.Unreadable, $"cannot open the file: {ex.Message}", ex);
        }
        try
        {
            var s = ReadHeader(path, handle, length);
            s.WalkDirectories(FirstIfdOffset(s));
            return s;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Bytes of the header (8, or 16 for BigTIFF); no pixel data may lie there.</summary>
    public long HeaderLength => BigTiff ? 16 : 8;

    private (long Start, long End)[]? _directories;
    private long[]? _maxEndUpTo;

    /// <summary>
    /// The page whose directory overlaps the byte range [start, start + length), or -1. Directories sorted by offset
    /// with a running maximum of their ends answer each range in O(log pages), so a stack of many pages and strips
    /// stays cheap to check.
    /// </summary>
    public int DirectoryOverlapping(long start, long length)
    {
        if (_directories is null)
        {
            _directories = Pages.Select(p => (p.Offset, p.Offset + p.ByteLength)).OrderBy(r => r.Item1).ToArray();
            _maxEndUpTo = new long[_directories.Length];
            long max = long.MinValue;
            for (int i = 0; i < _directories.Length; i++) _maxEndUpTo[i] = max = Math.Max(max, _directories[i].End);
        }
        long end = start + length;
        // The last directory starting before the range ends; any directory up to it that ends after the range starts overlaps.
        int lo = 0, hi = _directories.Length - 1, last = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_directories[mid].Start < end) { last = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        if (last < 0 || _maxEndUpTo![last] <= start) return -1;
        for (int p = 0; p < Pages.Count; p++)
        {
            long a = Pages[p].Offset, b = a + Pages[p].ByteLength;
            if (a < end && b > start) return p;
        }
        return -1;
    }

    private TiffReadException Fail(TiffErrorKind kind, string reason) => new(Path, kind, reason);

    private static TiffStructure ReadHeader(string path, SafeFileHandle handle, long length)
    {
        if (length == 0) throw new TiffReadException(path, TiffErrorKind.Truncated, "the file is empty (0 bytes)");
        Span<byte> head = stackalloc byte[4];
        int n = RandomAccess.Read(handle, head, 0);
        bool ii = n >= 2 && head[0] == 'I' && head[1] == 'I';
        bool mm = n >= 2 && head[0] == 'M' && head[1] == 'M';
        if (n < 4)
        {
            if (n >= 2 && !ii && !mm) throw new TiffReadException(path, TiffErrorKind.NotTiff, "not a TIFF file (it does not start with II or MM)");
            throw new TiffReadException(path, TiffErrorKind.Truncated, $"only {length} bytes; a TIFF header needs 8");
        }
        int magic = ii ? head[2] | head[3] << 8 : head[2] << 8 | head[3];
        if (!(ii || mm) || (magic != 42 && magic != 43))
            throw new TiffReadException(path, TiffErrorKind.NotTiff, "not a TIFF file (no II*/MM* header); convert it to TIFF or check the path");
        bool big = magic == 43;
        if (length < (big ? 16 : 8))
            throw new TiffReadException(path, TiffErrorKind.Truncated, $"only {length} bytes; a {(big ? "BigTIFF" : "TIFF")} header needs {(big ? 16 : 8)}");
        return new TiffStructure(path, handle, length, mm, big);
    }

    private static long FirstIfdOffset(TiffStructure s)
    {
        if (!s.BigTiff) return s.ReadUInt32(4);
        if (s.ReadUInt16(4) != 8 || s.ReadUInt16(6) != 0)
            throw s.Fail(TiffErrorKind.Corrupt, "BigTIFF header declares an offset size other than 8");
        return s.ReadOffset64(8, "the first directory offset");
    }

    private void WalkDirectories(long offset)
    {
        if (offset == 0) throw Fail(TiffErrorKind.Corrupt, "the header points to no image directory (offset 0); the file holds no image");
        var seen = new HashSet<long>();
        while (offset != 0)
        {
            if (!seen.Add(offset))
                throw Fail(TiffErrorKind.Corrupt, $"the directory chain loops back to offset {offset} after {Pages.Count} page(s)");
            if (Pages.Count >= MaxPages)
                throw Fail(TiffErrorKind.Corrupt, $"more than {MaxPages} pages; the directory chain is damaged");
            offset = ReadIfd(offset);
        }
    }

    /// <summary>Reads one directory and returns the offset of the next (0 at the end).</summary>
    private long ReadIfd(long offset)
    {
        int countSize = BigTiff ? 8 : 2, entrySize = BigTiff ? 20 : 12, nextSize = BigTiff ? 8 : 4;
        string where = $"page {Pages.Count}'s directory at offset {offset}";
        if (offset < 0 || offset + countSize > Length)
            throw Fail(TiffErrorKind.Truncated, $"{where} lies beyond the end of the file ({Length} bytes); the file is truncated or the offset is corrupt");
        ulong count = BigTiff ? ReadUInt64(offset) : ReadUInt16(offset);
        if (count == 0) throw Fail(TiffErrorKind.Corrupt, $"{where} has no entries");
        if (count > MaxEntriesPerIfd) throw Fail(TiffErrorKind.Corrupt, $"{where} claims {count} entries");
        long end = offset + countSize + (long)count * entrySize + nextSize;
        if (end > Length)
            throw Fail(TiffErrorKind.Truncated, $"{where} ({count} entries) is cut off by the end of the file ({Length} bytes)");

        var block = new byte[end - offset];
        ReadExactly(offset, block);
        var entries = new Dictionary<ushort, IfdEntry>();
        for (int i = 0; i < (int)count; i++)
        {
            int at = countSize + i * entrySize;
            ushort tag = U16(block, at), type = U16(block, at + 2);
            ulong n = BigTiff ? U64(block, at + 4) : U32(block, at + 4);
            int valueAt = at + (BigTiff ? 12 : 8);
            int size = TypeSize(type);
            if (size == 0) continue; // unknown type: LibTiff skips it too
            if (n > (ulong)Length) throw Fail(TiffErrorKind.Truncated, $"{where}: tag {tag} claims {n} values, more than the file's {Length} bytes");
            long bytes = (long)n * size;
            long dataOffset = bytes <= (BigTiff ? 8 : 4)
                ? offset + valueAt
                : (BigTiff ? (long)Math.Min(U64(block, valueAt), long.MaxValue) : U32(block, valueAt));
            if (dataOffset < 0 || dataOffset + bytes > Length)
                throw Fail(TiffErrorKind.Truncated, $"{where}: the values of tag {tag} ({bytes} bytes at offset {dataOffset}) lie beyond the end of the file ({Length} bytes)");
            entries.TryAdd(tag, new IfdEntry(tag, type, n, dataOffset, bytes));
        }
        Pages.Add(new Ifd(offset, end - offset, entries));
        int nextAt = countSize + (int)count * entrySize;
        ulong next = BigTiff ? U64(block, nextAt) : U32(block, nextAt);
        // A next pointer beyond the end means pages were cut off; that is reported when the chain reaches it.
        return next > (ulong)Length ? Length : (long)next;
    }

    /// <summary>Unsigned integer values of a SHORT/LONG/LONG8 (or BYTE) tag, or null when absent or of another type.</summary>
    public ulong[]? UInts(Ifd ifd, ushort tag)
    {
        if (!ifd.Entries.TryGetValue(tag, out var e)) return null;
        int size = TypeSize(e.Type);
        if (e.Type is not (1 or 3 or 4 or 13 or 16 or 18)) return null;
        var raw = new byte[e.ByteLength];
        ReadExactly(e.DataOffset, raw);
        var values = new ulong[e.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = size switch
            {
                1 => raw[i],
                2 => U16(raw, i * 2),
                4 => U32(raw, i * 4),
                _ => U64(raw, i * 8),
            };
        }
        return values;
    }

    public ulong? UInt(Ifd ifd, ushort tag) => UInts(ifd, tag) is { Length: > 0 } v ? v[0] : null;

    /// <summary>First value of a RATIONAL tag (e.g. XResolution).</summary>
    public double? Rational(Ifd ifd, ushort tag)
    {
        if (!ifd.Entries.TryGetValue(tag, out var e) || e.Type != 5 || e.Count < 1) return null;
        var raw = new byte[8];
        ReadExactly(e.DataOffset, raw);
        uint num = U32(raw, 0), den = U32(raw, 4);
        return den == 0 ? null : (double)num / den;
    }

    /// <summary>An ASCII (or UTF-8, as ImageJ and OME writers use) tag without its trailing NULs.</summary>
    public string? Text(Ifd ifd, ushort tag, int maxBytes = 64 << 20)
    {
        if (!ifd.Entries.TryGetValue(tag, out var e) || e.Type is not (2 or 1 or 7) || e.ByteLength > maxBytes) return null;
        var raw = new byte[e.ByteLength];
        ReadExactly(e.DataOffset, raw);
        int len = Array.IndexOf(raw, (byte)0);
        if (len < 0) len = raw.Length;
        try
        {
            return StrictUtf8.GetString(raw, 0, len);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(raw, 0, len); // older writers store "µm" as a single Latin-1 byte
        }
    }

    private static int TypeSize(ushort type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 or 13 => 4,
        5 or 10 or 12 or 16 or 17 or 18 => 8,
        _ => 0,
    };

    private void ReadExactly(long offset, Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(_handle, buffer[done..], offset + done);
            if (n <= 0) throw Fail(TiffErrorKind.Truncated, $"unexpected end of file at offset {offset + done}");
            done += n;
        }
    }

    private ushort ReadUInt16(long offset) { var b = new byte[2]; ReadExactly(offset, b); return U16(b, 0); }
    private uint ReadUInt32(long offset) { var b = new byte[4]; ReadExactly(offset, b); return U32(b, 0); }
    private ulong ReadUInt64(long offset) { var b = new byte[8]; ReadExactly(offset, b); return U64(b, 0); }

    private long ReadOffset64(long at, string what)
    {
        ulong v = ReadUInt64(at);
        if (v > long.MaxValue) throw Fail(TiffErrorKind.Corrupt, $"{what} ({v}) is not a valid offset");
        return (long)v;
    }

    private ushort U16(byte[] b, int at) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));
    private uint U32(byte[] b, int at) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
    private ulong U64(byte[] b, int at) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));
}
