namespace AcqSeg.Imaging.Io;

/// <summary>Why a TIFF (or a PNG/JPEG input, <see cref="RasterReader"/>) could not be read; the message names the file and the
/// reason (and the fix where there is one).</summary>
public enum TiffErrorKind
{
    Unreadable,
    NotTiff,
    Truncated,
    BadDimensions,
    TooLarge,
    UnsupportedFormat,
    Corrupt,
    /// <summary>Several pages and no way to tell whether they are Z slices, time points or channels.</summary>
    AmbiguousAxes,
}

public sealed class TiffReadException : Exception
{
    public TiffReadException(string path, TiffErrorKind kind, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        Path = path;
        Kind = kind;
        Reason = reason;
    }

    public string Path { get; }
    public TiffErrorKind Kind { get; }
    public string Reason { get; }
}
