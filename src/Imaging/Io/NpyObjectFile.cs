using System.Buffers.Binary;
using System.Text;

namespace AcqSeg.Imaging.Io;

/// <summary>
/// <c>np.save(path, obj)</c> of a Python object (Cellpose's _seg.npy and _size.npy hold a dict): a .npy v1.0 file whose
/// header says dtype '|O', shape (), followed by a pickle of that 0-d object array. Values map to Python as: null None,
/// bool, int/long int, float/double float, string str, <see cref="NpyArray"/> ndarray (or numpy scalar), IList list,
/// IEnumerable of KeyValuePair&lt;string, object?&gt; dict (in order), object?[] tuple.
/// </summary>
public static class NpyObjectFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static bool HasMagic(ReadOnlySpan<byte> head) => head.Length >= 6 && head[..6].SequenceEqual(Magic);

    public static bool LooksLikeNpy(string path)
    {
        Span<byte> head = stackalloc byte[6];
        using var s = File.OpenRead(path);
        return s.ReadAtLeast(head, 6, throwOnEndOfStream: false) == 6 && HasMagic(head);
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/>, then moves it over: readers never see half a file.</summary>
    public static void Write(string path, object? value)
    {
        string tmp = path + ".tmp";
        using (var file = File.Create(tmp)) Write(file, value);
        File.Move(tmp, path, overwrite: true);
    }

    public static void Write(Stream stream, object? value)
    {
        // numpy pads the header with spaces so that the data starts on a 64-byte boundary, then ends it with '\n'.
        string header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
        header += new string(' ', 63 - (Magic.Length + 4 + header.Length) % 64) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        stream.Write(len);
        stream.Write(Encoding.ASCII.GetBytes(header));
        var pickle = new PickleWriter(stream);
        pickle.WriteObjectArray(value);
    }

    /// <summary>The object inside an np.save'd 0-d object array; FormatException says what is wrong.</summary>
    public static object? Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (!HasMagic(bytes)) throw new FormatException("no .npy magic (\\x93NUMPY) at the start");
        if (bytes.Length < 10) throw new FormatException("the .npy header ends early");
        int major = bytes[6];
        int headerLength, start;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); start = 10; }
        else if (major is 2 or 3 && bytes.Length >= 12) { headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8))); start = 12; }
        else throw new FormatException($".npy version {major} is unknown");
        if (start + headerLength > bytes.Length) throw new FormatException("the .npy header ends early");
        string header = Encoding.Latin1.GetString(bytes, start, headerLength);
        if (!header.Contains("'|O'", StringComparison.Ordinal))
            throw new FormatException("the array does not hold Python objects (descr is not '|O'), so it is not a saved dict");
        object? top = new PickleReader(bytes, start + headerLength).Load();
        if (top is not NpyObjects { Items: [var item] })
            throw new FormatException("the pickle is not a 0-d numpy object array holding one object");
        return item;
    }
}

/// <summary>A numpy array of dtype object, as the reader returns it (its elements in C order).</summary>
public sealed record NpyObjects(int[] Shape, IReadOnlyList<object?> Items);

/// <summary>
/// Pickle protocol 3 of plain data and numpy arrays, as Python's pickler with numpy 1.x writes them: arrays through
/// numpy.core.multiarray._reconstruct with BUILD state (version 1, shape, dtype, fortran False, raw bytes).
/// </summary>
internal sealed class PickleWriter(Stream s)
{
    /// <summary>The 0-d object array np.save pickles around the value, then STOP.</summary>
    public void WriteObjectArray(object? value)
    {
        s.Write([0x80, 3]);
        Reconstruct();
        s.WriteByte((byte)'(');
        Int(1);
        s.WriteByte((byte)')');
        DType("O8", "|", 63);
        s.WriteByte(0x89); // not Fortran order
        s.WriteByte((byte)']');
        Value(value);
        s.WriteByte((byte)'a');
        s.Write("tb."u8);
    }

    private void Value(object? v)
    {
        switch (v)
        {
            case null: s.WriteByte((byte)'N'); break;
            case bool b: s.WriteByte(b ? (byte)0x88 : (byte)0x89); break;
            case int i: Int(i); break;
            case long l: Int(l); break;
            case float f: Float(f); break;
            case double d: Float(d); break;
            case string str: Text(str); break;
            case NpyArray a when a.IsScalar: Scalar(a); break;
            case NpyArray a: Array(a); break;
            case object?[] tuple:
                s.WriteByte((byte)'(');
                foreach (object? o in tuple) Value(o);
                s.WriteByte((byte)'t');
                break;
            case IEnumerable<KeyValuePair<string, object?>> dict:
                s.Write("}("u8);
                foreach (var (k, o) in dict)
                {
                    Text(k);
                    Value(o);
                }
                s.WriteByte((byte)'u');
                break;
            case System.Collections.IList list:
                s.Write("]("u8);
                foreach (object? o in list) Value(o);
                s.WriteByte((byte)'e');
                break;
            default: throw new ArgumentException($"a {v.GetType().Name} has no pickle form here; use a number, string, list, dict or NpyArray");
        }
    }

    private void Reconstruct()
    {
        Global("numpy.core.multiarray", "_reconstruct");
        Global("numpy", "ndarray");
        // _reconstruct(ndarray, (0,), b'b'): numpy's placeholder arguments, replaced by the BUILD state.
        Int(0);
        s.WriteByte(0x85);
        s.Write([(byte)'C', 1, (byte)'b']);
        s.WriteByte(0x87);
        s.WriteByte((byte)'R');
    }

    private void Array(NpyArray a)
    {
        if (a.Kind == 'O') throw new ArgumentException("object arrays inside the value are not written; use a list");
        Reconstruct();
        s.WriteByte((byte)'(');
        Int(1);
        Shape(a.Shape);
        DType(a);
        s.WriteByte(0x89);
        Bytes(a.Data);
        s.Write("tb"u8);
    }

    private void Scalar(NpyArray a)
    {
        Global("numpy.core.multiarray", "scalar");
        DType(a);
        Bytes(a.Data);
        s.WriteByte(0x86);
        s.WriteByte((byte)'R');
    }

    private void Shape(int[] shape)
    {
        if (shape.Length == 0) { s.WriteByte((byte)')'); return; }
        if (shape.Length > 3) s.WriteByte((byte)'(');
        foreach (int d in shape) Int(d);
        s.WriteByte(shape.Length switch { 1 => 0x85, 2 => 0x86, 3 => 0x87, _ => (byte)'t' });
    }

    private void DType(NpyArray a) => DType($"{a.Kind}{a.ItemSize}", a.ItemSize == 1 ? "|" : a.BigEndian ? ">" : "<", 0);

    /// <summary>dtype(code, False, True) with BUILD state (3, byteorder, None, None, None, -1, -1, flags).</summary>
    private void DType(string code, string order, int flags)
    {
        Global("numpy", "dtype");
        Text(code);
        s.Write([0x89, 0x88, 0x87, (byte)'R', (byte)'(']);
        Int(3);
        Text(order);
        s.Write("NNN"u8);
        Int(-1);
        Int(-1);
        Int(flags);
        s.Write("tb"u8);
    }

    private void Global(string module, string name) => s.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

    private void Int(long v)
    {
        if (v is >= 0 and < 256) s.Write([(byte)'K', (byte)v]);
        else if (v is >= 0 and < 65536) { s.WriteByte((byte)'M'); Le(2, v); }
        else if (v is >= int.MinValue and <= int.MaxValue) { s.WriteByte((byte)'J'); Le(4, v); }
        else { s.Write([0x8a, 8]); Le(8, v); }
    }

    private void Le(int n, long v)
    {
        for (int i = 0; i < n; i++) s.WriteByte((byte)(v >> (8 * i)));
    }

    private void Float(double d)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, d);
        s.WriteByte((byte)'G');
        s.Write(b);
    }

    private void Text(string str)
    {
        byte[] b = Encoding.UTF8.GetBytes(str);
        s.WriteByte((byte)'X');
        Le(4, b.Length);
        s.Write(b);
    }

    private void Bytes(byte[] data)
    {
        if (data.LongLength > uint.MaxValue) throw new ArgumentException($"an array of {data.LongLength} bytes is beyond pickle protocol 3 (4 GiB); save a smaller image");
        if (data.Length < 256) s.Write([(byte)'C', (byte)data.Length]);
        else { s.WriteByte((byte)'B'); Le(4, data.Length); }
        s.Write(data);
    }
}
