namespace AcqSeg.Imaging.Io;

/// <summary>The image inputs that can be segmented: TIFF (any stack layout, see <see cref="StackLayout"/>) and PNG or JPEG
/// (one plane, <see cref="RasterReader"/>).</summary>
public static class ImageFiles
{
    public static TiffMetadata ReadMetadata(string path) =>
        RasterReader.Handles(path) ? RasterReader.ReadMetadata(path) : TiffReader.ReadMetadata(path);

    /// <summary>Plane (z, t) of <paramref name="layout"/> with all its channels.</summary>
    public static ImageData ReadPlane(string path, StackLayout layout, int z, int t)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (!RasterReader.Handles(path)) return TiffReader.Read(path, layout.PlaneOptions(z, t));
        if (z != 0 || t != 0) throw new ArgumentOutOfRangeException(nameof(z), $"plane (T={t}, Z={z}) requested; {path} is a single plane");
        return RasterReader.Read(path);
    }
}
