using System.IO.Compression;
using AcqSeg.Imaging.Io;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>
/// Damaged and unsupported files each fail with a <see cref="TiffReadException"/> of the right kind whose message
/// names the file, within a time limit (no hang), and LibTiff prints nothing.
/// </summary>
public sealed class MalformedTiffTests
{
    private const int W = 37, H = 23;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private sealed record Case(TiffErrorKind Kind, Func<TempFolder, string, byte[]> Build, TiffReadOptions? Options = null);

    private static RawTiff Gray(params RawTag[] extra)
    {
        var raw = new RawTiff(bigEndian: false, bigTiff: false);
        raw.Gray16(RawTiffTests.Pattern(W, H), W, H, 5, extra);
        return raw;
    }

    private static byte[] Valid(params RawTag[] extra) => Gray(extra).Build();

    private static byte[] TwoPages(Action<RawTiff, byte[]> patch)
    {
        var raw = Gray();
        raw.Gray16(RawTiffTests.Pattern(W, H), W, H, 5);
        var bytes = raw.Build();
        patch(raw, bytes);
        return bytes;
    }

    private static byte[] Libtiff(TempFolder tmp, Compression compression, Action<byte[], long> damage)
    {
        string path = tmp.File("base.tif");
        var layout = new TiffLayout("uint16", Compression: compression, Height: H, Width: W);
        TiffFixture.Write(path, layout);
        var bytes = File.ReadAllBytes(path);
        long firstStrip;
        using (var t = Tiff.Open(path, "r")) firstStrip = t.GetField(TiffTag.STRIPOFFSETS)[0].TolongArray()[0];
        damage(bytes, firstStrip);
        return bytes;
    }

    /// <summary>
    /// The layout tifffile writes (directory first, pixel data after it): a copy of the strips is appended and the
    /// offsets pointed at it, so cutting the file's tail cuts strip data while the directory stays whole.
    /// </summary>
    private static byte[] DataAfterDirectory()
    {
        var raw = Gray();
        var b = raw.Build();
        long ifd = raw.IfdOffsets[0];
        int count = BitConverter.ToUInt16(b, (int)ifd);
        var copy = new List<byte>(b);
        for (int e = 0; e < count; e++)
        {
            int at = (int)ifd + 2 + e * 12;
            if (BitConverter.ToUInt16(b, at) != 273) continue;
            int n = BitConverter.ToInt32(b, at + 4);
            int values = BitConverter.ToInt32(b, at + 8);
            for (int k = 0; k < n; k++)
            {
                long old = raw.BlobOffsets[0][k];
                int len = raw.Pages[0].Blobs[k].Length;
                raw.PatchOffset(b, values + 4 * k, (ulong)copy.Count);
                copy.AddRange(b.AsSpan((int)old, len).ToArray());
            }
        }
        var result = copy.ToArray();
        Array.Copy(b, result, b.Length); // the patched offsets
        return result;
    }

    /// <summary>A valid file whose first strip offset is moved (the other strips keep theirs); the file length is unchanged,
    /// so the strip still lies inside the file and only its place says it is not pixel data.</summary>
    private static byte[] WithFirstStripAt(Func<RawTiff, ulong> offset)
    {
        var raw = Gray();
        raw.Build();
        var others = raw.BlobOffsets[0].Skip(1).Select(o => (ulong)o);
        return Valid(RawTag.Long(273, [offset(raw), .. others]));
    }

    /// <summary>Where the StripOffsets values of a little-endian classic file's directory lie.</summary>
    private static long StripOffsetsValueAt(byte[] file, long ifd)
    {
        int count = BitConverter.ToUInt16(file, (int)ifd);
        for (int e = 0; e < count; e++)
        {
            int at = (int)ifd + 2 + e * 12;
            if (BitConverter.ToUInt16(file, at) == 273) return BitConverter.ToUInt32(file, at + 8);
        }
        throw new InvalidOperationException("no StripOffsets tag");
    }

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["empty file"] = new(TiffErrorKind.Truncated, (_, _) => Array.Empty<byte>()),
        ["three bytes"] = new(TiffErrorKind.Truncated, (_, _) => "II*"u8.ToArray()),
        ["png bytes"] = new(TiffErrorKind.NotTiff, (_, _) => new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 }),
        ["text file"] = new(TiffErrorKind.NotTiff, (_, _) => "this is not an image, just some text\n"u8.ToArray()),
        ["wrong magic number"] = new(TiffErrorKind.NotTiff, (_, _) => { var b = Valid(); b[2] = 41; return b; }),
        ["header only"] = new(TiffErrorKind.Truncated, (_, _) => Valid()[..8]),
        ["header points to offset 0"] = new(TiffErrorKind.Corrupt, (_, _) => { var b = Valid(); b[4] = b[5] = b[6] = b[7] = 0; return b; }),
        ["directory cut in the middle"] = new(TiffErrorKind.Truncated, (_, _) => { var raw = Gray(); var b = raw.Build(); return b[..(int)(raw.IfdOffsets[0] + 30)]; }),
        ["second page cut off"] = new(TiffErrorKind.Truncated, (_, _) => { var raw = Gray(); raw.Gray16(RawTiffTests.Pattern(W, H), W, H, 5); var b = raw.Build(); return b[..(int)(raw.IfdOffsets[1] + 6)]; }),
        ["directory points to itself"] = new(TiffErrorKind.Corrupt, (_, _) => { var raw = Gray(); var b = raw.Build(); raw.PatchOffset(b, raw.NextPointerAt(b, 0), (ulong)raw.IfdOffsets[0]); return b; }),
        ["second directory loops to the first"] = new(TiffErrorKind.Corrupt, (_, _) => TwoPages((raw, b) => raw.PatchOffset(b, raw.NextPointerAt(b, 1), (ulong)raw.IfdOffsets[0]))),
        ["directory with no entries"] = new(TiffErrorKind.Corrupt, (_, _) => { var raw = Gray(); var b = raw.Build(); b[raw.IfdOffsets[0]] = 0; b[raw.IfdOffsets[0] + 1] = 0; return b; }),
        ["zero width"] = new(TiffErrorKind.BadDimensions, (_, _) => Valid(RawTag.Long(256, 0))),
        ["zero height"] = new(TiffErrorKind.BadDimensions, (_, _) => Valid(RawTag.Long(257, 0))),
        ["absurd dimensions"] = new(TiffErrorKind.TooLarge, (_, _) => Valid(RawTag.Long(256, 100_000), RawTag.Long(257, 100_000))),
        ["width beyond 2^31"] = new(TiffErrorKind.BadDimensions, (_, _) => Valid(RawTag.Long(256, 4_000_000_000))),
        ["over the configured pixel limit"] = new(TiffErrorKind.TooLarge, (_, _) => Valid(), new TiffReadOptions { MaxPixels = 100 }),
        ["1-bit samples"] = new(TiffErrorKind.UnsupportedFormat, (_, _) => Valid(RawTag.Short(258, 1))),
        ["12-bit samples"] = new(TiffErrorKind.UnsupportedFormat, (_, _) => Valid(RawTag.Short(258, 12))),
        ["64-bit float samples"] = new(TiffErrorKind.UnsupportedFormat, (_, _) => Valid(RawTag.Short(258, 64), RawTag.Short(339, 3))),
        ["complex samples"] = new(TiffErrorKind.UnsupportedFormat, (_, _) => Valid(RawTag.Short(258, 32), RawTag.Short(339, 6))),
        ["five samples per pixel"] = new(TiffErrorKind.UnsupportedFormat, (_, _) => Valid(RawTag.Short(277, 5))),
        ["JPEG compression"] = new(TiffErrorKind.UnsupportedFormat, (_, _) => Valid(RawTag.Short(259, 7))),
        ["YCbCr photometric"] = new(TiffErrorKind.UnsupportedFormat, (_, _) => Valid(RawTag.Short(262, 6))),
        ["missing ImageWidth"] = new(TiffErrorKind.Corrupt, (_, _) => Valid(new RawTag(256, 4, Array.Empty<ulong>()))),
        ["missing StripOffsets"] = new(TiffErrorKind.Corrupt, (_, _) => Valid(new RawTag(273, 4, Array.Empty<ulong>()))),
        ["too few strip offsets"] = new(TiffErrorKind.Corrupt, (_, _) => Valid(RawTag.Long(273, 8, 200))),
        ["strip data cut (directory before the data)"] = new(TiffErrorKind.Truncated, (_, _) => DataAfterDirectory()[..^100]),
        ["strip offset beyond the file"] = new(TiffErrorKind.Truncated, (_, _) => Valid(RawTag.Long(273, 8, 82, 156, 230, 0xFFFF_FF00))),
        ["absurd strip byte count"] = new(TiffErrorKind.Truncated, (_, _) => Valid(RawTag.Long(279, 370, 370, 370, 370, 0x7FFF_FFFF))),
        ["zero strip byte count"] = new(TiffErrorKind.Corrupt, (_, _) => Valid(RawTag.Long(279, 370, 0, 370, 370, 222))),
        ["strip offset 0"] = new(TiffErrorKind.Corrupt, (_, _) => WithFirstStripAt(_ => 0)),
        ["strip inside the header"] = new(TiffErrorKind.Corrupt, (_, _) => WithFirstStripAt(_ => 4)),
        ["strip overlapping the directory"] = new(TiffErrorKind.Corrupt, (_, _) => WithFirstStripAt(raw => (ulong)raw.IfdOffsets[0] - 300)),
        ["tag count larger than the file"] = new(TiffErrorKind.Truncated, (_, _) =>
        {
            var raw = Gray(RawTag.Ascii(270, "a description long enough to be stored outside the entry"));
            var b = raw.Build();
            // Entries are sorted: 256, 257, 258, 259, 262, 270 -> the sixth entry; its count field follows tag and type.
            long count = raw.IfdOffsets[0] + 2 + 5 * 12 + 4;
            raw.PatchOffset(b, count, 1_000_000_000);
            return b;
        }),
        ["zero tile size"] = new(TiffErrorKind.Corrupt, (_, _) =>
        {
            var raw = new RawTiff(false, false);
            var tags = new List<RawTag> { RawTag.Long(256, W), RawTag.Long(257, H), RawTag.Short(258, 8), RawTag.Short(259, 1), RawTag.Short(262, 1), RawTag.Long(322, 0), RawTag.Long(323, 16) };
            raw.Pages.Add(new RawPage(tags, Enumerable.Range(0, 6).Select(_ => new byte[256]).ToList(), Tiled: true));
            return raw.Build();
        }),
        ["garbage deflate stream"] = new(TiffErrorKind.Corrupt, (tmp, _) => Libtiff(tmp, Compression.ADOBE_DEFLATE, (b, at) => { for (long i = at; i < at + 40; i++) b[i] = (byte)(i * 77); })),
        ["garbage LZW stream"] = new(TiffErrorKind.Corrupt, (tmp, _) => Libtiff(tmp, Compression.LZW, (b, at) => { for (long i = at; i < at + 40; i++) b[i] = 0xFF; })),
        ["float label values"] = new(TiffErrorKind.UnsupportedFormat, (_, _) => Valid()),
    };

    public static IEnumerable<object[]> CaseNames() => Cases.Keys.Select(k => new object[] { k });

    [Fact]
    public void CheckComplete_OnAFileCutAfterItsDirectory_SaysTruncated_WhereTheMetadataAloneLooksWhole()
    {
        using var tmp = new TempFolder();
        string whole = tmp.File("whole.tif"), cut = tmp.File("cut.tif");
        var bytes = DataAfterDirectory();
        File.WriteAllBytes(whole, bytes);
        File.WriteAllBytes(cut, bytes[..^100]);
        TiffReader.CheckComplete(whole);
        TiffReader.ReadMetadata(cut);
        var ex = Assert.Throws<TiffReadException>(() => TiffReader.CheckComplete(cut));
        Assert.Equal(TiffErrorKind.Truncated, ex.Kind);
        Assert.Contains("cut.tif", ex.Message);
    }

    [Fact]
    public void StripsMovedOntoTheHeaderOrDirectory_StillLieInsideTheFile()
    {
        // The cases above fail for where the strip lies, not for running past the end: the moved strip fits the file.
        foreach (string name in new[] { "strip offset 0", "strip inside the header", "strip overlapping the directory" })
        {
            using var tmp = new TempFolder();
            var raw = Gray();
            var valid = raw.Build();
            var moved = Cases[name].Build(tmp, "");
            Assert.Equal(valid.Length, moved.Length);
            ulong at = BitConverter.ToUInt32(moved, (int)StripOffsetsValueAt(moved, raw.IfdOffsets[0]));
            Assert.True(at + (ulong)raw.Pages[0].Blobs[0].Length <= (ulong)moved.Length, name);
        }
    }

    [Fact]
    public void Cases_AreAtLeastTwenty()
    {
        Assert.True(Cases.Count >= 20, $"{Cases.Count} cases");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Read_MalformedFile_ThrowsTiffReadExceptionOfRightKindNamingTheFile(string name)
    {
        var c = Cases[name];
        using var tmp = new TempFolder();
        string path = tmp.File(name.Replace(' ', '_') + ".tif");
        File.WriteAllBytes(path, c.Build(tmp, path));
        TiffReadException ex;
        if (name == "float label values")
        {
            // A float mask with a fractional value cannot be a label image.
            string floats = tmp.File("float_labels.tif");
            TiffWriter.WriteFloatPages(floats, new[] { Enumerable.Range(0, 6).Select(i => i * 0.5f).ToArray() }, 2, 3);
            path = floats;
            ex = RunWithTimeout(() => TiffReader.ReadLabels(floats));
        }
        else
        {
            ex = RunWithTimeout(() => TiffReader.Read(path, c.Options));
        }
        Assert.True(c.Kind == ex.Kind, $"{name}: expected {c.Kind}, got {ex.Kind}: {ex.Message}");
        Assert.Contains(Path.GetFileName(path), ex.Message);
        Assert.Equal(path, ex.Path);
        Assert.False(string.IsNullOrWhiteSpace(ex.Reason));
    }

    /// <summary>Random byte flips of valid files (strips, tiles, compressed) must never hang or escape as another exception.</summary>
    [Fact]
    public void Read_RandomlyCorruptedFiles_ReturnImageOrTiffReadExceptionWithinTimeLimit()
    {
        using var tmp = new TempFolder();
        var bases = new List<byte[]>();
        foreach (var layout in new[]
        {
            new TiffLayout("uint16", Compression: Compression.ADOBE_DEFLATE),
            new TiffLayout("uint8", 3, Planar: true, Tiled: true, Compression: Compression.LZW),
            new TiffLayout("float32", 2, Compression: Compression.PACKBITS, Pages: 2, BigTiff: true),
            new TiffLayout("int16", Tiled: true, BigEndian: true),
        })
        {
            string p = tmp.File($"base{bases.Count}.tif");
            TiffFixture.Write(p, layout);
            bases.Add(File.ReadAllBytes(p));
        }
        var rng = new Random(12345);
        int failures = 0, reads = 0;
        for (int i = 0; i < 240; i++)
        {
            var bytes = (byte[])bases[i % bases.Count].Clone();
            int flips = 1 + rng.Next(8);
            for (int f = 0; f < flips; f++) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            if (i % 7 == 0) bytes = bytes[..rng.Next(bytes.Length)];
            string path = tmp.File($"fuzz{i}.tif");
            File.WriteAllBytes(path, bytes);
            bool read = CompletesWithin(() =>
            {
                try { TiffReader.Read(path); return true; }
                catch (TiffReadException e) when (e.Message.Contains(Path.GetFileName(path))) { return false; }
            }, $"fuzz{i}.tif");
            if (read) reads++; else failures++;
        }
        Assert.Equal(240, reads + failures);
        Assert.True(failures > 0, "corruption never detected; the fuzz did not reach the checks");
    }

    [Fact]
    public void Read_DirectoryBeforeDataBaseFile_ReadsBackWhenWhole()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("whole.tif");
        File.WriteAllBytes(path, DataAfterDirectory());
        var img = TiffReader.Read(path);
        var expected = RawTiffTests.Pattern(W, H);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], img.Data[i]);
    }

    [Fact]
    public void Read_MissingFile_IsUnreadableAndNamesPath()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("does_not_exist.tif");
        var ex = RunWithTimeout(() => TiffReader.Read(path));
        Assert.Equal(TiffErrorKind.Unreadable, ex.Kind);
        Assert.Contains("does_not_exist.tif", ex.Message);
    }

    [Fact]
    public void Read_Folder_IsUnreadableAndNamesPath()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("a_folder.tif");
        Directory.CreateDirectory(path);
        var ex = RunWithTimeout(() => TiffReader.ReadLabels(path));
        Assert.Equal(TiffErrorKind.Unreadable, ex.Kind);
        Assert.Contains("a_folder.tif", ex.Message);
    }

    [Fact]
    public void Read_EmptyPath_IsUnreadable()
    {
        Assert.Equal(TiffErrorKind.Unreadable, RunWithTimeout(() => TiffReader.Read("  ")).Kind);
    }

    [SkippableFact]
    public void Read_FileWithoutReadPermission_IsUnreadable()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix permissions");
        using var tmp = new TempFolder();
        string path = tmp.File("locked.tif");
        File.WriteAllBytes(path, Valid());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.None);
        bool stillReadable;
        try { using (File.OpenRead(path)) { } stillReadable = true; }
        catch (UnauthorizedAccessException) { stillReadable = false; }
        // Root (as in the CI container) reads any file, so there is no way to deny it access here.
        Skip.If(stillReadable, "running with permission to read any file (root): a permission-denied path cannot be made");
        var ex = RunWithTimeout(() => TiffReader.Read(path));
        Assert.Equal(TiffErrorKind.Unreadable, ex.Kind);
        Assert.Contains("locked.tif", ex.Message);
    }

    [Fact]
    public void Read_CorruptFiles_LibTiffWritesNothingToTheConsole()
    {
        using var tmp = new TempFolder();
        var original = Console.Error;
        var originalOut = Console.Out;
        var captured = new StringWriter();
        Console.SetError(captured);
        Console.SetOut(captured);
        try
        {
            foreach (string name in new[] { "garbage deflate stream", "garbage LZW stream", "missing StripOffsets", "1-bit samples" })
            {
                string path = tmp.File(name.Replace(' ', '_') + ".tif");
                File.WriteAllBytes(path, Cases[name].Build(tmp, path));
                RunWithTimeout(() => TiffReader.Read(path));
            }
        }
        finally
        {
            Console.SetError(original);
            Console.SetOut(originalOut);
        }
        // Other test classes may print in parallel; LibTiff's messages would name our files.
        Assert.DoesNotContain(tmp.Path, captured.ToString());
    }

    /// <summary>The hang guard: the work runs on the thread pool and must finish within <see cref="Limit"/>.</summary>
    private static T CompletesWithin<T>(Func<T> work, string what)
    {
        var task = Task.Run(work);
        Assert.True(task.Wait(Limit), $"{what} did not finish within {Limit}");
        return task.Result;
    }

    private static TiffReadException RunWithTimeout(Func<object> read)
    {
        var result = CompletesWithin(() =>
        {
            try
            {
                read();
                return (TiffReadException?)null;
            }
            catch (TiffReadException e)
            {
                return e;
            }
        }, "the read");
        return result ?? throw new Xunit.Sdk.XunitException("the read succeeded; a TiffReadException was expected");
    }
}
