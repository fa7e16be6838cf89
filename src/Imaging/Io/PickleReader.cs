using System.Buffers.Binary;
using System.Text;

namespace AcqSeg.Imaging.Io;

/// <summary>
/// The part of the pickle machine (protocols 2-5) that np.save'd dicts of numpy arrays, lists, strings and numbers use.
/// Nothing is ever called: the only globals taken are numpy's array, dtype and scalar reconstructors (and _codecs.encode,
/// which protocol 2 uses for bytes), and they are rebuilt as data. Results: None null, bool, int long, float double,
/// str string, bytes byte[], tuple object?[], list List, dict Dictionary, arrays <see cref="NpyArray"/> or
/// <see cref="NpyObjects"/>.
/// </summary>
internal sealed class PickleReader(byte[] data, int position)
{
    private static readonly object Mark = new();
    private readonly List<object?> stack = [];
    private readonly Dictionary<long, object?> memo = [];
    private int pos = position;

    private sealed record PyGlobal(string Module, string Name);

    /// <summary>A reduced call (global(*args)) whose BUILD state arrives later.</summary>
    private sealed class Reduced(PyGlobal global, object?[] args)
    {
        public PyGlobal Global { get; } = global;
        public object?[] Args { get; } = args;
        public object? State { get; set; }
    }

    public object? Load()
    {
        object? top = Run();
        return Resolve(top, new HashSet<object>(ReferenceEqualityComparer.Instance));
    }

    private object? Run()
    {
        while (true)
        {
            byte op = Byte();
            switch (op)
            {
                case 0x80: Byte(); break; // PROTO
                case 0x95: Take(8); break; // FRAME: a length only
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
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(Length32()))); break;
                case 0x8c: stack.Add(Encoding.UTF8.GetString(Take(Byte()))); break; // SHORT_BINUNICODE
                case 0x8d: stack.Add(Encoding.UTF8.GetString(Take(Length64()))); break; // BINUNICODE8
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(Byte()))); break; // SHORT_BINSTRING
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(Length32()))); break; // BINSTRING
                case (byte)'C': stack.Add(Take(Byte()).ToArray()); break; // SHORT_BINBYTES
                case (byte)'B': stack.Add(Take(Length32()).ToArray()); break;
                case 0x8e: stack.Add(Take(Length64()).ToArray()); break; // BINBYTES8
                case 0x96: stack.Add(Take(Length64()).ToArray()); break; // BYTEARRAY8
                case (byte)')': stack.Add(Array.Empty<object?>()); break;
                case 0x85: stack.Add(PopMany(1)); break;
                case 0x86: stack.Add(PopMany(2)); break;
                case 0x87: stack.Add(PopMany(3)); break;
                case (byte)'t': stack.Add(PopToMark().ToArray()); break;
                case (byte)']': stack.Add(new List<object?>()); break;
                case (byte)'l': stack.Add(PopToMark()); break;
                case (byte)'a': { object? v = Pop(); As<List<object?>>(Top()).Add(v); break; }
                case (byte)'e': { var items = PopToMark(); As<List<object?>>(Top()).AddRange(items); break; }
                case (byte)'}': stack.Add(new Dictionary<object, object?>()); break;
                case (byte)'d': { var d = new Dictionary<object, object?>(); SetItems(d, PopToMark()); stack.Add(d); break; }
                case (byte)'s': { object? v = Pop(); object? k = Pop(); SetItems(As<Dictionary<object, object?>>(Top()), [k, v]); break; }
                case (byte)'u': { var items = PopToMark(); SetItems(As<Dictionary<object, object?>>(Top()), items); break; }
                case (byte)'c': stack.Add(Allowed(Line(), Line())); break; // GLOBAL
                case 0x93: { string name = As<string>(Pop()); string module = As<string>(Pop()); stack.Add(Allowed(module, name)); break; } // STACK_GLOBAL
                case (byte)'R': { var args = As<object?[]>(Pop()); var g = As<PyGlobal>(Pop()); stack.Add(Reduce(g, args)); break; }
                case 0x81: { var args = As<object?[]>(Pop()); var g = As<PyGlobal>(Pop()); stack.Add(Reduce(g, args)); break; } // NEWOBJ
                case (byte)'b': { object? state = Pop(); As<Reduced>(Top()).State = state; break; } // BUILD
                case (byte)'q': memo[Byte()] = Top(); break;
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Top(); break;
                case 0x94: memo[memo.Count] = Top(); break; // MEMOIZE
                case (byte)'h': stack.Add(Memo(Byte())); break;
                case (byte)'j': stack.Add(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                case (byte)'0': Pop(); break;
                case (byte)'2': stack.Add(Top()); break;
                default: throw new FormatException($"pickle opcode 0x{op:x2} at byte {pos - 1} is not one np.save of plain data and numpy arrays uses");
            }
        }
    }

    private static PyGlobal Allowed(string module, string name)
    {
        bool ok = (module, name) switch
        {
            ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct" or "scalar") => true,
            ("numpy.core.numeric" or "numpy._core.numeric", "_frombuffer") => true,
            ("numpy", "ndarray" or "dtype") => true,
            ("_codecs", "encode") => true,
            _ => false,
        };
        return ok ? new PyGlobal(module, name) : throw new FormatException($"the pickle refers to {module}.{name}; only numpy arrays and plain data are read");
    }

    private static Reduced Reduce(PyGlobal g, object?[] args) =>
        g.Name == "ndarray" ? throw new FormatException("numpy.ndarray is only an argument of _reconstruct") : new Reduced(g, args);

    /// <summary>Turns the rebuilt numpy calls into arrays once every BUILD has run.</summary>
    private static object? Resolve(object? o, HashSet<object> seen)
    {
        switch (o)
        {
            case Reduced r: return Numpy(r, seen);
            case List<object?> list when seen.Add(list):
                for (int i = 0; i < list.Count; i++) list[i] = Resolve(list[i], seen);
                return list;
            case Dictionary<object, object?> dict when seen.Add(dict):
                foreach (var k in dict.Keys.ToList()) dict[k] = Resolve(dict[k], seen);
                return dict;
            case object?[] tuple when seen.Add(tuple):
                for (int i = 0; i < tuple.Length; i++) tuple[i] = Resolve(tuple[i], seen);
                return tuple;
            default: return o;
        }
    }

    private static object? Numpy(Reduced r, HashSet<object> seen)
    {
        switch (r.Global.Name)
        {
            case "_reconstruct":
                if (r.State is not object?[] { Length: >= 5 } st) throw new FormatException("a numpy array without its state");
                string descr = DTypeDescr(st[2]);
                int[] shape = Shape(st[1]);
                if (descr[1] == 'O')
                {
                    var items = As<List<object?>>(Resolve(st[4], seen), "object array data");
                    return new NpyObjects(shape, items);
                }
                return new NpyArray(descr, shape, RawBytes(st[4]));
            case "_frombuffer": // protocol 5: _frombuffer(buffer, dtype, shape, order)
                if (r.Args is not { Length: 4 } a) throw new FormatException("numpy _frombuffer with unexpected arguments");
                if (a[3] is "F") throw new FormatException("a Fortran-order array; save it C-ordered (np.ascontiguousarray)");
                return new NpyArray(DTypeDescr(a[1]), Shape(a[2]), RawBytes(a[0]));
            case "scalar":
                return new NpyArray(DTypeDescr(r.Args.ElementAtOrDefault(0)), [], RawBytes(r.Args.ElementAtOrDefault(1)), isScalar: true);
            case "encode": // protocol 2's bytes: _codecs.encode(text, 'latin1')
                return Encoding.Latin1.GetBytes(As<string>(r.Args.ElementAtOrDefault(0), "encoded bytes"));
            default:
                throw new FormatException($"a bare numpy.{r.Global.Name} call where data was expected");
        }
    }

    /// <summary>A dtype's descr ("&lt;u2", "|b1", "|O8") from dtype(code, False, True) and its BUILD state.</summary>
    private static string DTypeDescr(object? o)
    {
        if (o is not Reduced { Global.Name: "dtype" } d || d.Args.ElementAtOrDefault(0) is not string code)
            throw new FormatException("an array without a dtype");
        string order = d.State is object?[] st && st.ElementAtOrDefault(1) is string s ? s : "|";
        code = code.TrimStart('<', '>', '=', '|');
        if (code == "O") code = "O8";
        return (order == "=" ? "<" : order) + code;
    }

    private static int[] Shape(object? o) => o switch
    {
        object?[] t => t.Select(v => v is long l and >= 0 and <= int.MaxValue ? (int)l : throw new FormatException("a shape that is not a tuple of lengths")).ToArray(),
        long l and >= 0 and <= int.MaxValue => [(int)l],
        _ => throw new FormatException("a shape that is not a tuple of lengths"),
    };

    private static byte[] RawBytes(object? o) => o switch
    {
        byte[] b => b,
        // Python 2 pickles carry the raw data as a latin-1 str.
        string s => Encoding.Latin1.GetBytes(s),
        _ => throw new FormatException("array data is not bytes"),
    };

    private static T As<T>(object? o, string what = "pickle value") =>
        o is T t ? t : throw new FormatException($"{what} is a {o?.GetType().Name ?? "None"} where a {typeof(T).Name} was expected");

    private static void SetItems(Dictionary<object, object?> d, List<object?> items)
    {
        for (int i = 0; i + 1 < items.Count; i += 2) d[items[i] ?? throw new FormatException("a dict key is None")] = items[i + 1];
    }

    private object? Memo(long key) => memo.TryGetValue(key, out object? v) ? v : throw new FormatException($"pickle memo {key} is read before it is set");

    private long Long(int n)
    {
        if (n > 8) throw new FormatException($"a {n}-byte integer is too large");
        var b = Take(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | b[i];
        if (n is > 0 and < 8 && (b[n - 1] & 0x80) != 0) v -= 1L << (8 * n);
        return v;
    }

    private int Length32() => checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)));

    private int Length64() => checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(8)));

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
