using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Imaging.Io;

/// <summary>
/// An open TIFF: the independently checked structure (<see cref="TiffStructure"/>) plus a LibTiff handle that decodes
/// pixels. LibTiff errors are collected instead of printed, so failures name the file and LibTiff's reason.
/// </summary>
internal sealed class TiffSession : IDisposable
{
    private TiffSession(string path, TiffStructure structure, Tiff tiff)
    {
        Path = path;
        Structure = structure;
        Tiff = tiff;
    }

    public string Path { get; }
    public TiffStructure Structure { get; }
    public Tiff Tiff { get; }
    public int PageCount => Structure.Pages.Count;

    public static TiffSession Open(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new TiffReadException(path ?? "", TiffErrorKind.Unreadable, "empty path; give the path of a TIFF file");
        if (Directory.Exists(path)) throw new TiffReadException(path, TiffErrorKind.Unreadable, "is a folder, not a TIFF file");
        if (!File.Exists(path)) throw new TiffReadException(path, TiffErrorKind.Unreadable, "file not found; check the path");

        var structure = TiffStructure.Open(path);
        if (structure.BigTiff && structure.BigEndian)
        {
            structure.Dispose();
            // LibTiff.NET 2.4 misreads the header and directory entries of big-endian BigTIFF (its writer produces
            // invalid ones too), so decoding would return garbage.
            throw new TiffReadException(path, TiffErrorKind.UnsupportedFormat,
                "big-endian (MM) BigTIFF is not supported by the TIFF decoder; re-save the image little-endian (e.g. tifffile byteorder='<') or as classic TIFF");
        }
        LibTiffErrors.Install();
        LibTiffErrors.Clear();
        Tiff? tiff = null;
        try
        {
            // "h": read the header only; pages are loaded one by one after their directory has been checked.
            tiff = Tiff.Open(path, "rh");
        }
        catch (Exception ex)
        {
            structure.Dispose();
            throw new TiffReadException(path, TiffErrorKind.Corrupt, $"cannot parse the TIFF structure: {ex.Message}", ex);
        }
        if (tiff is null)
        {
            structure.Dispose();
            throw new TiffReadException(path, TiffErrorKind.Unreadable, $"LibTiff cannot open the file: {LibTiffErrors.LastOr("no reason given")}");
        }
        return new TiffSession(path, structure, tiff);
    }

    /// <summary>Makes page <paramref name="index"/> LibTiff's current directory.</summary>
    public void Select(int index)
    {
        LibTiffErrors.Clear();
        bool ok;
        try
        {
            ok = Tiff.SetSubDirectory(Structure.Pages[index].Offset);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw Fail(TiffErrorKind.Corrupt, $"page {index}'s directory cannot be read: {ex.Message}");
        }
        if (!ok) throw Fail(TiffErrorKind.Corrupt, $"page {index}'s directory cannot be read");
    }

    public TiffReadException Fail(TiffErrorKind kind, string reason, Exception? inner = null)
    {
        string? libTiff = LibTiffErrors.Last;
        return new TiffReadException(Path, kind, libTiff is null ? reason : $"{reason} (LibTiff: {libTiff})", inner);
    }

    public void Dispose()
    {
        Tiff.Dispose();
        Structure.Dispose();
    }
}

/// <summary>
/// LibTiff.NET reports through one process-wide handler that by default writes to the console. This one keeps the last
/// error per thread instead: readers run in parallel, and each decodes synchronously on its own thread.
/// </summary>
internal static class LibTiffErrors
{
    private static readonly CollectingErrorHandler Handler = new();
    [ThreadStatic] private static string? _last;

    public static string? Last => _last;
    public static string LastOr(string fallback) => _last ?? fallback;
    public static void Clear() => _last = null;

    /// <summary>Installs the handler (again, in case other code replaced it); assignment of a reference is atomic.</summary>
    public static void Install() => Tiff.SetErrorHandler(Handler);

    private sealed class CollectingErrorHandler : TiffErrorHandler
    {
        public override void ErrorHandler(Tiff? tif, string method, string format, params object?[] args) =>
            _last = SafeFormat(format, args);

        public override void ErrorHandlerExt(Tiff? tif, object? clientData, string method, string format, params object?[] args) =>
            _last = SafeFormat(format, args);

        public override void WarningHandler(Tiff? tif, string method, string format, params object?[] args) { }
        public override void WarningHandlerExt(Tiff? tif, object? clientData, string method, string format, params object?[] args) { }

        private static string SafeFormat(string format, object?[] args)
        {
            try { return string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args); }
            catch (FormatException) { return format; }
        }
    }
}
