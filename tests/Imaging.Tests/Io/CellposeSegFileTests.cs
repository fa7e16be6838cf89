using System.Text;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.TestSupport;
using static AcqSeg.TestSupport.SegFileSamples;

namespace AcqSeg.Imaging.Tests.Io;

public class CellposeSegFileTests
{
    /// <summary>
    /// np.save of a small dict, spelled out byte by byte from the .npy v1.0 format and the pickle protocol 3 opcodes
    /// (not produced by running numpy): what the writer must emit for each kind of value a _seg.npy holds.
    /// </summary>
    private static byte[] GoldenSmallDict()
    {
        var b = new List<byte>();
        void Bytes(params int[] v) => b.AddRange(v.Select(x => (byte)x));
        void Ascii(string s) => b.AddRange(Encoding.ASCII.GetBytes(s));
        void Unicode(string s) { Bytes('X', s.Length, 0, 0, 0); Ascii(s); } // BINUNICODE, 4-byte LE length
        void Reconstruct()
        {
            Ascii("cnumpy.core.multiarray\n_reconstruct\n"); // GLOBAL
            Ascii("cnumpy\nndarray\n");
            Bytes('K', 0, 0x85, 'C', 1, 'b', 0x87, 'R'); // (0,), b'b' -> TUPLE3, REDUCE
        }
        void DType(string code, string order, int flags)
        {
            Ascii("cnumpy\ndtype\n");
            Unicode(code);
            Bytes(0x89, 0x88, 0x87, 'R'); // (code, False, True) REDUCE
            Bytes('(', 'K', 3); Unicode(order);
            Bytes('N', 'N', 'N', 'J', 0xff, 0xff, 0xff, 0xff, 'J', 0xff, 0xff, 0xff, 0xff, 'K', flags, 't', 'b');
        }

        // .npy: magic, version 1.0, header length 118 (little-endian), header padded to 128 bytes with '\n' last.
        Bytes(0x93); Ascii("NUMPY"); Bytes(1, 0, 118, 0);
        Ascii("{'descr': '|O', 'fortran_order': False, 'shape': (), }" + new string(' ', 63) + "\n");

        Bytes(0x80, 3); // PROTO 3
        Reconstruct();
        Bytes('(', 'K', 1, ')'); // state: version 1, shape ()
        DType("O8", "|", 63);
        Bytes(0x89, ']'); // not Fortran; the object list
        Bytes('}', '('); // the dict, then its items up to SETITEMS
        Unicode("masks");
        Reconstruct();
        Bytes('(', 'K', 1, 'K', 1, 'K', 2, 0x86); // version 1, shape (1, 2)
        DType("u2", "<", 0);
        Bytes(0x89, 'C', 4, 0, 0, 1, 0, 't', 'b'); // data [0, 1] as uint16 LE, TUPLE, BUILD
        Unicode("chan_choose");
        Bytes(']', '(', 'K', 0, 'K', 2, 'e'); // [0, 2]
        Unicode("filename");
        Unicode("a.tif");
        Unicode("est_diam");
        Bytes('G', 0x40, 0x3e, 0, 0, 0, 0, 0, 0); // BINFLOAT 30.0, big-endian
        Unicode("ismanual");
        Reconstruct();
        Bytes('(', 'K', 1, 'K', 1, 0x85); // shape (1,)
        DType("b1", "|", 0);
        Bytes(0x89, 'C', 1, 0, 't', 'b');
        Bytes('u', 'a', 't', 'b', '.'); // SETITEMS, APPEND, TUPLE, BUILD, STOP
        return b.ToArray();
    }

    private static Dictionary<string, object?> SmallDict() => new()
    {
        ["masks"] = NpyArray.UInt16([0, 1], 1, 2),
        ["chan_choose"] = new List<object?> { 0, 2 },
        ["filename"] = "a.tif",
        ["est_diam"] = 30.0,
        ["ismanual"] = NpyArray.Bool([false], 1),
    };

    [Fact]
    public void Writer_EmitsTheHandBuiltGoldenBytes()
    {
        using var stream = new MemoryStream();
        NpyObjectFile.Write(stream, SmallDict());
        byte[] golden = GoldenSmallDict();
        Assert.Equal(0, (golden.Length - golden.AsSpan(128).Length) % 64);
        Assert.Equal(Convert.ToHexString(golden), Convert.ToHexString(stream.ToArray()));
    }

    [Fact]
    public void Reader_ParsesTheGoldenBytesIntoTheSameValues()
    {
        var dict = Assert.IsType<Dictionary<object, object?>>(NpyObjectFile.Read(GoldenSmallDict()));
        var masks = Assert.IsType<NpyArray>(dict["masks"]);
        Assert.Equal(("<u2", "1x2"), (masks.Descr, string.Join("x", masks.Shape)));
        Assert.Equal(new[] { 0.0, 1.0 }, masks.ToDoubles());
        Assert.Equal(new object?[] { 0L, 2L }, Assert.IsType<List<object?>>(dict["chan_choose"]));
        Assert.Equal("a.tif", dict["filename"]);
        Assert.Equal(30.0, dict["est_diam"]);
        var manual = Assert.IsType<NpyArray>(dict["ismanual"]);
        Assert.Equal(("|b1", "1"), (manual.Descr, string.Join("x", manual.Shape)));
    }

    [Fact]
    public void Reader_TakesMemoAndProtocol4Opcodes_AsPythonsPicklerEmitsThem()
    {
        // {'k': 'v', 'k2': <memo 1>} with FRAME, SHORT_BINUNICODE, MEMOIZE and BINGET, inside the 0-d object array.
        var b = new List<byte>();
        b.AddRange(GoldenSmallDict().AsSpan(0, 128).ToArray());
        b.AddRange([0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0]);
        b.AddRange(Encoding.ASCII.GetBytes("cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"));
        b.AddRange([(byte)'K', 0, 0x85, (byte)'C', 1, (byte)'b', 0x87, (byte)'R', (byte)'(', (byte)'K', 1, (byte)')']);
        b.AddRange(Encoding.ASCII.GetBytes("cnumpy\ndtype\n"));
        b.AddRange([0x8c, 2, (byte)'O', (byte)'8', 0x89, 0x88, 0x87, (byte)'R', (byte)'(', (byte)'K', 3, 0x8c, 1, (byte)'|',
            (byte)'N', (byte)'N', (byte)'N', (byte)'J', 0xff, 0xff, 0xff, 0xff, (byte)'J', 0xff, 0xff, 0xff, 0xff, (byte)'K', 63, (byte)'t', (byte)'b']);
        b.AddRange([0x89, (byte)']', (byte)'}', 0x94, (byte)'(', 0x8c, 1, (byte)'k', 0x8c, 1, (byte)'v', 0x94, 0x8c, 2, (byte)'k', (byte)'2', (byte)'h', 1, (byte)'u']);
        b.AddRange([(byte)'a', (byte)'t', (byte)'b', (byte)'.']);
        var dict = Assert.IsType<Dictionary<object, object?>>(NpyObjectFile.Read(b.ToArray()));
        Assert.Equal(("v", "v"), (dict["k"], dict["k2"]));
    }

    [Fact]
    public void Reader_RefusesGlobalsOtherThanNumpys_WithoutCallingThem()
    {
        var bytes = GoldenSmallDict();
        // Swap "numpy\ndtype" for "posix\nsystem" (same length): the reader must name it and stop.
        string text = Encoding.Latin1.GetString(bytes);
        int at = text.IndexOf("numpy\ndtype\n", StringComparison.Ordinal);
        Encoding.ASCII.GetBytes("posix\nsystem").CopyTo(bytes, at);
        var ex = Assert.Throws<FormatException>(() => NpyObjectFile.Read(bytes));
        Assert.Contains("posix.system", ex.Message);
    }

    [Fact]
    public void SegFile_RoundTrip_KeepsMasksOutlinesAndFields()
    {
        using var tmp = new TempFolder();
        var seg = Build("/data/frame.tif");
        string path = tmp.File("frame_seg.npy");
        CellposeSegFile.Write(path, seg);

        var back = CellposeSegFile.Read(path);
        Assert.Equal(seg.Masks.Labels, back.Masks.Labels);
        Assert.Equal(seg.Outlines!.Labels, back.Outlines!.Labels);
        Assert.Equal(new[] { 2, 1 }, back.ChanChoose);
        Assert.Equal(new bool[3], back.IsManual);
        Assert.Equal(("/data/frame.tif", 17.5, "/models/m.pth"), (back.Filename, back.EstDiam, back.ModelPath));
        Assert.Equal((0.4, -0.5), (back.FlowThreshold, back.CellprobThreshold));
        Assert.Equal(seg.Flows.Select(f => (f.Descr, string.Join("x", f.Shape))), back.Flows.Select(f => (f.Descr, string.Join("x", f.Shape))));
        Assert.Equal(seg.Flows[4].Data, back.Flows[4].Data);
    }

    [Fact]
    public void SegFile_HasTheKeysAndTypesCellposeV232Writes()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("frame_seg.npy");
        CellposeSegFile.Write(path, Build("/data/frame.tif"));
        var dict = Assert.IsType<Dictionary<object, object?>>(NpyObjectFile.Read(File.ReadAllBytes(path)));

        // io.masks_flows_to_seg's keys, then the three the GUI's _save_sets adds.
        Assert.Equal(new object[] { "img", "outlines", "masks", "chan_choose", "ismanual", "filename", "flows", "est_diam", "model_path", "flow_threshold", "cellprob_threshold" },
            dict.Keys.ToArray());
        Assert.Equal(("<f4", "24x32"), Describe(dict["img"]));
        Assert.Equal(("<u2", "24x32"), Describe(dict["masks"]));
        Assert.Equal(("<u2", "24x32"), Describe(dict["outlines"]));
        Assert.Equal(("|b1", "3"), Describe(dict["ismanual"]));
        Assert.Equal(new object?[] { 2L, 1L }, Assert.IsType<List<object?>>(dict["chan_choose"]));
        Assert.IsType<double>(dict["est_diam"]);
        var flows = Assert.IsType<List<object?>>(dict["flows"]);
        // The GUI views flows[0..2][z] and recomputes masks from flows[4][:-1], flows[4][-1] and p = flows[3].
        Assert.Equal(new[] { ("|u1", "1x24x32x3"), ("|u1", "1x24x32"), ("|u1", "1x24x32x3"), ("<f4", "2x24x32"), ("<f4", "3x24x32") },
            flows.Select(Describe).ToArray());
        var p = Assert.IsType<NpyArray>(flows[3]).ToDoubles();
        // A background pixel (cellprob below the threshold) stays where it started: p = (y, x).
        int bg = 1 * 32 + 12;
        Assert.Equal((1.0, 12.0), (p[bg], p[24 * 32 + bg]));
    }

    private static (string, string) Describe(object? o)
    {
        var a = Assert.IsType<NpyArray>(o);
        return (a.Descr, string.Join("x", a.Shape));
    }

    [Fact]
    public void SegFile_GuiLayouts_OnePlaneStackAndMinusOneBackground_AreRead()
    {
        // The GUI may keep masks as (1, Ly, Lx) int32 with background -1 (old saves): squeezed and shifted as it does.
        var values = new[] { -1, 0, 1, -1, 1, 1 };
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BitConverter.GetBytes(values[i]).CopyTo(bytes, 4 * i);
        using var stream = new MemoryStream();
        NpyObjectFile.Write(stream, new Dictionary<string, object?> { ["outlines"] = new NpyArray("<i4", [1, 2, 3], bytes), ["masks"] = new NpyArray("<i4", [1, 2, 3], bytes) });
        var seg = CellposeSegFile.Parse(stream.ToArray(), "gui_seg.npy");
        Assert.Equal((2, 3), (seg.Masks.Height, seg.Masks.Width));
        Assert.Equal(new[] { 0, 1, 2, 0, 2, 2 }, seg.Masks.Labels);
    }

    [Theory]
    [InlineData("old", "old-format _seg.npy")]
    [InlineData("nomasks", "has no 'masks'")]
    [InlineData("stack", "only single 2-D planes")]
    [InlineData("notnpy", "not a Cellpose _seg.npy")]
    public void SegFile_Unusable_IsAClearErrorNamingTheFile(string kind, string expected)
    {
        using var stream = new MemoryStream();
        if (kind == "notnpy") stream.Write("not numpy"u8);
        else NpyObjectFile.Write(stream, kind switch
        {
            "old" => new Dictionary<string, object?> { ["outlines"] = new List<object?> { NpyArray.UInt16([1, 2], 1, 2) } },
            "nomasks" => new Dictionary<string, object?> { ["img"] = NpyArray.Float32([1f], 1) },
            _ => new Dictionary<string, object?> { ["masks"] = NpyArray.UInt16([1, 2, 3, 4], 2, 1, 2) },
        });
        var ex = Assert.Throws<SegFileException>(() => CellposeSegFile.Parse(stream.ToArray(), "x_seg.npy"));
        Assert.StartsWith("x_seg.npy: ", ex.Message);
        Assert.Contains(expected, ex.Message);
    }
}
