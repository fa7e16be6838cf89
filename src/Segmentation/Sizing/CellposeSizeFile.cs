using System.Buffers.Binary;
using System.Text;

namespace AcqSeg.Segmentation.Sizing;

/// <summary>
/// Reads Cellpose's size models (<c>np.save(path, {'A', 'smean', 'diam_mean', 'ymean'})</c>): a .npy file holding a
/// 0-d object array whose single element is that dict, pickled. Only the pickle opcodes and numpy reconstructors such a
/// file uses are understood (ndarray, dtype, scalar), so nothing in the file is ever executed.
/// </summary>
public static class CellposeSizeFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static bool LooksLikeNpy(string path)
    {
        Span<byte> head = stackalloc byte[6];
        using var s = File.OpenRead(path);
        return s.ReadAtLeast(head, 6, throwOnEndOfStream: false) == 6 && head.SequenceEqual(Magic);
    }

    public static SizeModel Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            throw new SizeModelFileException(path,
                $"not a Cellpose size model ({ex.Message.Split(" (Parameter")[0]}); expected np.save of a dict with A, smean, diam_mean and ymean (Cellpose's *_size.npy)", ex);
        }
    }

    /// <summary>
    /// Writes Cellpose's layout (what its SizeModel.train saves and np.load(path, allow_pickle=True).item() reads): a
    /// .npy v1.0 0-d object array holding {'A', 'smean', 'diam_mean', 'ymean'}, float32 arrays and scalars, pickle
    /// protocol 3 with numpy's reconstructors.
    /// </summary>
    public static void Write(string path, SizeModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var p = new List<byte> { 0x80, 3 };
        Global(p, "numpy.core.multiarray", "_reconstruct");
        Global(p, "numpy", "ndarray");
        p.AddRange([(byte)'K', 0, 0x85, (byte)'C', 1, (byte)'b', 0x87, (byte)'R']);
        p.Add((byte)'(');
        p.AddRange([(byte)'K', 1, (byte)')']);
        DType(p, "O8", "|", 63);
        p.Add(0x89);
        p.Add((byte)']');
        p.AddRange([(byte)'}', (byte)'(']);
        Text(p, "A"); FloatArray(p, model.A);
        Text(p, "smean"); FloatArray(p, model.StyleMean);
        Text(p, "diam_mean"); FloatScalar(p, (float)model.DiamMean);
        Text(p, "ymean"); FloatScalar(p, (float)model.YMean);
        p.Add((byte)'u');
        p.Add((byte)'a');
        p.AddRange([(byte)'t', (byte)'b', (byte)'.']);

        string header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
        header += new string(' ', 63 - (10 + header.Length) % 64) + "\n";
        var file = new List<byte>(Magic) { 1, 0 };
        file.AddRange(BitConverter.GetBytes((ushort)header.Length));
        file.AddRange(Encoding.ASCII.GetBytes(header));
        file.AddRange(p);
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, file.ToArray());
        File.Move(tmp, path, overwrite: true);
    }

    private static void Global(List<byte> p, string module, string name)
    {
        p.Add((byte)'c');
        p.AddRange(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    private static void Text(List<byte> p, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        p.Add((byte)'X');
        p.AddRange(BitConverter.GetBytes(b.Length));
        p.AddRange(b);
    }

    private static void DType(List<byte> p, string code, string order, int flags)
    {
        Global(p, "numpy", "dtype");
        Text(p, code);
        p.AddRange([0x89, 0x88, 0x87, (byte)'R', (byte)'(', (byte)'K', 3]);
        Text(p, order);
        p.AddRange([(byte)'N', (byte)'N', (byte)'N', (byte)'J', 0xff, 0xff, 0xff, 0xff, (byte)'J', 0xff, 0xff, 0xff, 0xff, (byte)'K', (byte)flags, (byte)'t', (byte)'b']);
    }

    private static void FloatArray(List<byte> p, float[] values)
    {
        Global(p, "numpy.core.multiarray", "_reconstruct");
        Global(p, "numpy", "ndarray");
        p.AddRange([(byte)'K', 0, 0x85, (byte)'C', 1, (byte)'b', 0x87, (byte)'R', (byte)'(', (byte)'K', 1, (byte)'J']);
        p.AddRange(BitConverter.GetBytes(values.Length));
        p.Add(0x85);
        DType(p, "f4", "<", 0);
        p.Add(0x89);
        p.Add((byte)'B');
        p.AddRange(BitConverter.GetBytes(values.Length * 4));
        foreach (float v in values) p.AddRange(LittleEndian(v));
        p.AddRange([(byte)'t', (byte)'b']);
    }

    private static void FloatScalar(List<byte> p, float value)
    {
        Global(p, "numpy.core.multiarray", "scalar");
        DType(p, "f4", "<", 0);
        p.AddRange([(byte)'C', 4]);
        p.AddRange(LittleEndian(value));
        p.AddRange([0x86, (byte)'R']);
    }

    private static byte[] LittleEndian(float v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, v);
        return b;
    }

    public static SizeModel Parse(byte[] bytes)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic)) throw new FormatException("no .npy magic");
        int major = bytes[6];
        int headerLength, start;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); start = 10; }
        else if (major is 2 or 3) { headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); start = 12; }
        else throw new FormatException($".npy version {major} is unknown");
        string header = Encoding.Latin1.GetString(bytes, start, headerLength);
        if (!header.Contains("'|O'", StringComparison.Ordinal))
            throw new FormatException("the array does not hold Python objects (descr is not '|O'), so it is not a saved dict");
        object? top = new PickleReader(bytes, start + headerLength).Load();
        var array = NumpyArray.From(top) ?? throw new FormatException("the pickle is not a numpy array");
        if (array.Objects is not { Count: 1 } items || items[0] is not Dictionary<object, object?> dict)
            throw new FormatException("the array does not hold exactly one dict");
        float[] a = Floats(dict, "A");
        float[] smean = Floats(dict, "smean");
        double diamMean = Scalar(dict, "diam_mean");
        double ymean = Scalar(dict, "ymean");
        return new SizeModel(a, smean, diamMean, ymean);
    }

    private static object? Get(Dictionary<object, object?> dict, string key) =>
        dict.TryGetValue(key, out object? v) ? v : throw new FormatException($"the dict has no '{key}'");

    private static float[] Floats(Dictionary<object, object?> dict, string key)
    {
        var arr = NumpyArray.From(Get(dict, key)) ?? throw new FormatException($"'{key}' is not a numpy array");
        double[] values = arr.Numbers ?? throw new FormatException($"'{key}' is not a numeric array");
        return values.Select(v => (float)v).ToArray();
    }

    private static double Scalar(Dictionary<object, object?> dict, string key)
    {
        object? v = Get(dict, key);
        switch (v)
        {
            case double d: return d;
            case long l: return l;
            case PyObject { Global: var g } o when g.Name == "scalar":
                var dtype = NumpyDType.From(o.Args.ElementAtOrDefault(0)) ?? throw new FormatException($"'{key}' is a numpy scalar without a dtype");
                byte[] raw = o.Args.ElementAtOrDefault(1) as byte[] ?? throw new FormatException($"'{key}' is a numpy scalar without data");
                return dtype.Decode(raw)[0];
        }
        var arr = NumpyArray.From(v);
        if (arr?.Numbers is { Length: 1 } one) return one[0];
        throw new FormatException($"'{key}' is not a number");
    }

    /// <summary>A Python global (module.name) as the pickle names it.</summary>
    private sealed record PyGlobal(string Module, string Name);

    /// <summary>A reduced call (global(*args)) and the state BUILD gave it.</summary>
    private sealed class PyObject(PyGlobal global, object?[] args)
    {
        public PyGlobal Global { get; } = global;
        public object?[] Args { get; } = args;
        public object? State { get; set; }
    }

    private sealed record NumpyDType(char Kind, int Size, bool BigEndian)
    {
        public static NumpyDType? From(object? o)
        {
            if (o is not PyObject { Global.Name: "dtype" } p || p.Args.ElementAtOrDefault(0) is not string code) return null;
            code = code.TrimStart('<', '>', '=', '|');
            if (code.Length < 2 || !int.TryParse(code.AsSpan(1), out int size)) throw new FormatException($"dtype '{code}' is not understood");
            bool big = p.State is object?[] st && st.ElementAtOrDefault(1) is ">";
            return new NumpyDType(code[0], size, big);
        }

        public double[] Decode(byte[] raw)
        {
            if (raw.Length % Size != 0) throw new FormatException($"{raw.Length} data bytes are not whole {Kind}{Size} values");
            var result = new double[raw.Length / Size];
            for (int i = 0; i < result.Length; i++)
            {
                var s = raw.AsSpan(i * Size, Size);
                result[i] = (Kind, Size) switch
                {
                    ('f', 4) => BigEndian ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s),
                    ('f', 8) => BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s),
                    ('i', 4) => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s),
                    ('i', 8) => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(s) : BinaryPrimitives.ReadInt64LittleEndian(s),
                    _ => throw new FormatException($"dtype {Kind}{Size} is not a float or integer type this reader knows"),
                };
            }
            return result;
        }
    }

    /// <summary>numpy.core.multiarray._reconstruct(ndarray, ...) with state (version, shape, dtype, fortran, data).</summary>
    private sealed record NumpyArray(double[]? Numbers, List<object?>? Objects)
    {
        public static NumpyArray? From(object? o)
        {
            if (o is not PyObject { Global.Name: "_reconstruct" } p || p.State is not object?[] st || st.Length < 5) return null;
            var dtype = NumpyDType.From(st[2]) ?? throw new FormatException("array without a dtype");
            return st[4] switch
            {
                List<object?> list => new NumpyArray(null, list),
                byte[] raw when dtype.Kind != 'O' => new NumpyArray(dtype.Decode(raw), null),
                // Python 2 pickles carry the raw data as a latin-1 str.
                string s when dtype.Kind != 'O' => new NumpyArray(dtype.Decode(Encoding.Latin1.GetBytes(s)), null),
                _ => throw new FormatException("array data is neither bytes nor a list of objects"),
            };
        }
    }

    /// <summary>The subset of the pickle machine (protocols 2-5) that numpy's object arrays of dicts need.</summary>
    private sealed class PickleReader(byte[] data, int position)
    {
        private static readonly object Mark = new();
        private readonly List<object?> stack = [];
        private readonly Dictionary<long, object?> memo = [];
        private int pos = position;

        public object? Load()
        {
            while (true)
            {
                byte op = Byte();
                switch (op)
                {
                    case 0x80: Byte(); break; // PROTO
                    case 0x95: pos += 8; break; // FRAME: length only
                    case (byte)'.': return Pop(); // STOP
                    case (byte)'(': stack.Add(Mark); break;
                    case (byte)'N': stack.Add(null); break;
                    case 0x88: stack.Add(true); break;
                    case 0x89: stack.Add(false); break;
                    case (byte)'K': stack.Add((long)Byte()); break;
                    case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                    case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                    case 0x8a: stack.Add(Long(Byte())); break; // LONG1
                    case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                    case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                    case 0x8c: stack.Add(Encoding.UTF8.GetString(Take(Byte()))); break; // SHORT_BINUNICODE
                    case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(Byte()))); break; // SHORT_BINSTRING
                    case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                    case (byte)'C': stack.Add(Take(Byte()).ToArray()); break; // SHORT_BINBYTES
                    case (byte)'B': stack.Add(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break;
                    case 0x8e: stack.Add(Take(checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))).ToArray()); break; // BINBYTES8
                    case (byte)')': stack.Add(Array.Empty<object?>()); break;
                    case 0x85: stack.Add(PopMany(1)); break;
                    case 0x86: stack.Add(PopMany(2)); break;
                    case 0x87: stack.Add(PopMany(3)); break;
                    case (byte)'t': stack.Add(PopToMark().ToArray()); break;
                    case (byte)']': stack.Add(new List<object?>()); break;
                    case (byte)'l': stack.Add(PopToMark()); break;
                    case (byte)'a': { object? v = Pop(); ((List<object?>)Top()!).Add(v); break; }
                    case (byte)'e': { var items = PopToMark(); ((List<object?>)Top()!).AddRange(items); break; }
                    case (byte)'}': stack.Add(new Dictionary<object, object?>()); break;
                    case (byte)'d': { var d = new Dictionary<object, object?>(); SetItems(d, PopToMark()); stack.Add(d); break; }
                    case (byte)'s': { object? v = Pop(); object k = Pop()!; ((Dictionary<object, object?>)Top()!)[k] = v; break; }
                    case (byte)'u': { var items = PopToMark(); SetItems((Dictionary<object, object?>)Top()!, items); break; }
                    case (byte)'c': stack.Add(new PyGlobal(Line(), Line())); break; // GLOBAL
                    case 0x93: { string name = (string)Pop()!; string module = (string)Pop()!; stack.Add(new PyGlobal(module, name)); break; }
                    case (byte)'R': { var args = (object?[])Pop()!; var g = (PyGlobal)Pop()!; stack.Add(Reduce(g, args)); break; }
                    case 0x81: { var args = (object?[])Pop()!; var g = (PyGlobal)Pop()!; stack.Add(Reduce(g, args)); break; } // NEWOBJ
                    case (byte)'b': { object? state = Pop(); ((PyObject)Top()!).State = state; break; }
                    case (byte)'q': memo[Byte()] = Top(); break;
                    case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Top(); break;
                    case 0x94: memo[memo.Count] = Top(); break; // MEMOIZE
                    case (byte)'h': stack.Add(memo[Byte()]); break;
                    case (byte)'j': stack.Add(memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))]); break;
                    case (byte)'0': Pop(); break;
                    case (byte)'2': stack.Add(Top()); break;
                    default: throw new FormatException($"pickle opcode 0x{op:x2} at byte {pos - 1} is not one a saved size model uses");
                }
            }
        }

        private static object Reduce(PyGlobal g, object?[] args)
        {
            bool numpy = g.Module is "numpy.core.multiarray" or "numpy._core.multiarray" or "numpy";
            if (!numpy || g.Name is not ("_reconstruct" or "dtype" or "scalar" or "ndarray"))
                throw new FormatException($"the pickle calls {g.Module}.{g.Name}, which a size model never does");
            return new PyObject(g, args);
        }

        private static void SetItems(Dictionary<object, object?> d, List<object?> items)
        {
            for (int i = 0; i + 1 < items.Count; i += 2) d[items[i] ?? throw new FormatException("a dict key is None")] = items[i + 1];
        }

        private long Long(int n)
        {
            var b = Take(n);
            long v = 0;
            for (int i = n - 1; i >= 0; i--) v = (v << 8) | b[i];
            if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) v -= 1L << (8 * n);
            return v;
        }

        private byte Byte() => pos < data.Length ? data[pos++] : throw new FormatException("the pickle ends early");

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || pos + n > data.Length) throw new FormatException("the pickle ends early");
            var s = data.AsSpan(pos, n);
            pos += n;
            return s;
        }

        private string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', pos);
            if (end < 0) throw new FormatException("the pickle ends early");
            string s = Encoding.ASCII.GetString(data, pos, end - pos);
            pos = end + 1;
            return s;
        }

        private object? Top() => stack.Count > 0 ? stack[^1] : throw new FormatException("pickle stack underflow");

        private object? Pop()
        {
            object? v = Top();
            stack.RemoveAt(stack.Count - 1);
            return v == Mark ? throw new FormatException("unexpected mark") : v;
        }

        private object?[] PopMany(int n)
        {
            var items = new object?[n];
            for (int i = n - 1; i >= 0; i--) items[i] = Pop();
            return items;
        }

        private List<object?> PopToMark()
        {
            int m = stack.LastIndexOf(Mark);
            if (m < 0) throw new FormatException("no mark on the pickle stack");
            var items = stack.GetRange(m + 1, stack.Count - m - 1);
            stack.RemoveRange(m, stack.Count - m);
            return items;
        }
    }
}
