using System.Buffers.Binary;

namespace AcqSeg.Imaging.Io;

/// <summary>
/// A numpy array as a pickle or .npy file carries it: the dtype string (numpy's descr, e.g. "&lt;u2", "|b1"), the
/// shape (C order) and the raw bytes. <see cref="IsScalar"/> marks a numpy scalar (np.float32(3)) rather than a 0-d array.
/// </summary>
public sealed class NpyArray
{
    public NpyArray(string descr, int[] shape, byte[] data, bool isScalar = false)
    {
        ArgumentNullException.ThrowIfNull(descr);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (descr.Length < 2) throw new FormatException($"dtype '{descr}' is not understood");
        string code = "<>=|".Contains(descr[0], StringComparison.Ordinal) ? descr[1..] : descr;
        if (code.Length < 2 || !int.TryParse(code.AsSpan(1), out int size) || size < 1)
            throw new FormatException($"dtype '{descr}' is not understood");
        Kind = code[0];
        ItemSize = size;
        BigEndian = descr[0] == '>';
        Descr = descr;
        Shape = shape;
        Data = data;
        IsScalar = isScalar;
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new FormatException($"shape ({string.Join(", ", shape)}) has a negative length");
            count *= d;
        }
        Count = count;
        if (Kind != 'O' && data.LongLength != count * size)
            throw new FormatException($"a {descr} array of shape ({string.Join(", ", shape)}) needs {count * size} bytes, the data has {data.LongLength}");
    }

    public string Descr { get; }
    public int[] Shape { get; }
    public byte[] Data { get; }
    public bool IsScalar { get; }

    /// <summary>numpy's kind letter: f float, i signed, u unsigned, b bool, O object.</summary>
    public char Kind { get; }

    public int ItemSize { get; }
    public bool BigEndian { get; }
    public long Count { get; }

    public static NpyArray UInt8(byte[] values, params int[] shape) => new("|u1", shape, values);

    public static NpyArray Bool(bool[] values, params int[] shape) => new("|b1", shape, values.Select(v => v ? (byte)1 : (byte)0).ToArray());

    public static NpyArray UInt16(ReadOnlySpan<int> values, params int[] shape)
    {
        var b = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), checked((ushort)values[i]));
        return new NpyArray("<u2", shape, b);
    }

    public static NpyArray UInt32(ReadOnlySpan<int> values, params int[] shape)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4 * i), checked((uint)values[i]));
        return new NpyArray("<u4", shape, b);
    }

    public static NpyArray Float32(ReadOnlySpan<float> values, params int[] shape)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return new NpyArray("<f4", shape, b);
    }

    public static NpyArray Float32Scalar(float value) => new("<f4", [], Float32([value]).Data, isScalar: true);

    /// <summary>Every element as a double (exact for all integer types up to 2^53 and for floats).</summary>
    public double[] ToDoubles()
    {
        if (Kind == 'O') throw new FormatException($"a {Descr} array holds Python objects, not numbers");
        var result = new double[Count];
        for (long i = 0; i < Count; i++) result[i] = Element(Data.AsSpan(checked((int)(i * ItemSize)), ItemSize));
        return result;
    }

    private double Element(ReadOnlySpan<byte> s) => (Kind, ItemSize) switch
    {
        ('b', 1) or ('u', 1) => s[0],
        ('i', 1) => (sbyte)s[0],
        ('u', 2) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s),
        ('i', 2) => BigEndian ? BinaryPrimitives.ReadInt16BigEndian(s) : BinaryPrimitives.ReadInt16LittleEndian(s),
        ('u', 4) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s),
        ('i', 4) => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s),
        ('u', 8) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s),
        ('i', 8) => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(s) : BinaryPrimitives.ReadInt64LittleEndian(s),
        ('f', 4) => BigEndian ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s),
        ('f', 8) => BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s),
        _ => throw new FormatException($"dtype {Descr} is not a bool, integer or float type this reader knows"),
    };
}
