namespace AcqSeg.Segmentation.Io;

/// <summary>What the file says about itself: dtype, layout and, where ImageJ or OME-TIFF metadata is present, axes,
/// channel names and pixel size.</summary>
public sealed record TiffMetadata
{
    public static readonly TiffMetadata Empty = new();

    /// <summary>numpy-style dtype of the stored samples: uint8, uint16, uint32, int8, int16, int32, float32.</summary>
    public string SampleType { get; init; } = "float32";
    public int Pages { get; init; } = 1;
    public int SamplesPerPixel { get; init; } = 1;
    /// <summary>Axes as ImageJ/OME name them (e.g. "CYX", "TZCYX"), when the file declares them.</summary>
    public string? Axes { get; init; }
    public IReadOnlyList<string> ChannelNames { get; init; } = Array.Empty<string>();
    /// <summary>Physical pixel size (x, y) and its unit, when declared.</summary>
    public double? PixelSizeX { get; init; }
    public double? PixelSizeY { get; init; }
    public string? PixelSizeUnit { get; init; }
    public bool IsBigTiff { get; init; }
}
