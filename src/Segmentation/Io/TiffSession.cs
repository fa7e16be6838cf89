using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Segmentation.Io;

/// <summary>An open TIFF whose LibTiff errors are collected instead of printed, so failures name the file.</summary>
internal sealed class TiffSession : IDisposable
{
    private static readonly object HandlerLock = new();
    private static readonly CollectingErrorHandler Handler = new();

    private TiffSession(string path, Tiff tiff)
    {
        Path = path;
        Tiff = tiff;
    }

    public string Path { get; }
    public Tiff Tiff { get; }

    public static TiffSession Open(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new TiffReadException(path ?? "", TiffErrorKind.Unreadable, "empty path");
        if (Directory.Exists(path)) throw new TiffReadException(path, TiffErrorKind.Unreadable, "is a folder, not a TIFF file");
        if (!File.Exists(path)) throw new TiffReadException(path, TiffErrorKind.Unreadable, "file not found; check the path");
        byte[] head = new byte[8];
        int n;
        try
        {
            using var fs = File.OpenRead(path);
            n = fs.Read(head, 0, head.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TiffReadException(path, TiffErrorKind.Unreadable, $"cannot open: {ex.Message}", ex);
        }
        if (n < 8) throw new TiffReadException(path, TiffErrorKind.Truncated, $"only {n} bytes; a TIFF header needs 8");
        bool ii = head[0] == (byte)'I' && head[1] == (byte)'I', mm = head[0] == (byte)'M' && head[1] == (byte)'M';
        int magic = ii ? head[2] | head[3] << 8 : head[2] << 8 | head[3];
        if (!(ii || mm) || (magic != 42 && magic != 43))
            throw new TiffReadException(path, TiffErrorKind.NotTiff, "not a TIFF file (no II*/MM* header)");

        EnsureHandler();
        Handler.Clear();
        Tiff? tiff;
        try
        {
            tiff = Tiff.Open(path, "r");
        }
        catch (Exception ex)
        {
            throw new TiffReadException(path, TiffErrorKind.Corrupt, $"cannot parse TIFF structure: {ex.Message}", ex);
        }
        if (tiff is null)
            throw new TiffReadException(path, TiffErrorKind.Corrupt, $"cannot parse TIFF structure: {Handler.LastOr("invalid header or first directory")}");
        return new TiffSession(path, tiff);
    }

    public TiffReadException Fail(TiffErrorKind kind, string reason) =>
        new(Path, kind, Handler.HasMessage ? $"{reason} ({Handler.LastOr("")})" : reason);

    public string? LastLibTiffError => Handler.HasMessage ? Handler.LastOr("") : null;

    public void Dispose() => Tiff.Dispose();

    private static void EnsureHandler()
    {
        lock (HandlerLock)
        {
            Tiff.SetErrorHandler(Handler);
        }
    }

    /// <summary>LibTiff reports through a process-wide handler; keep the last message per thread.</summary>
    private sealed class CollectingErrorHandler : TiffErrorHandler
    {
        [ThreadStatic] private static string? _last;

        public bool HasMessage => _last is not null;
        public void Clear() => _last = null;
        public string LastOr(string fallback) => _last ?? fallback;

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
