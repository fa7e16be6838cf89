namespace AcqSeg.Imaging.Io;

/// <summary>What the file says about itself: dtype, layout and, where ImageJ or OME-TIFF metadata is present, axes,
/// stack sizes, channel names and pixel size.</summary>
public sealed record TiffMetadata
{
    public static readonly TiffMetadata Empty = new();

    /// <summary>numpy-style dtype of the stored samples: uint8, uint16, uint32, int8, int16, int32, float32.</summary>
    public string SampleType { get; init; } = "float32";
    public int Pages { get; init; } = 1;
    public int SamplesPerPixel { get; init; } = 1;
    /// <summary>Axes as ImageJ/OME name them in numpy order, size-1 axes left out (e.g. "CYX", "TZCYX", "YXS" for RGB),
    /// when the file declares them.</summary>
    public string? Axes { get; init; }
    public IReadOnlyList<string> ChannelNames { get; init; } = Array.Empty<string>();
    /// <summary>Physical pixel size (x, y) and its unit ("µm" for micrometres however the file spells it), when declared.</summary>
    public double? PixelSizeX { get; init; }
    public double? PixelSizeY { get; init; }
    public string? PixelSizeUnit { get; init; }
    /// <summary>Z step (ImageJ "spacing", OME PhysicalSizeZ), in <see cref="PixelSizeUnit"/>.</summary>
    public double? PixelSizeZ { get; init; }
    public bool IsBigTiff { get; init; }
    public bool IsBigEndian { get; init; }
    /// <summary>Declared stack sizes (channel pages, Z, T); null when the file declares no layout.</summary>
    public int? SizeC { get; init; }
    public int? SizeZ { get; init; }
    public int? SizeT { get; init; }
    /// <summary>"ImageJ" or "OME" when the stack layout came from that metadata.</summary>
    public string? MetadataSource { get; init; }
    /// <summary>The first page's DocumentName tag (269), when present: the service's masks name their source image there.</summary>
    public string? DocumentName { get; init; }
    /// <summary>True when alpha samples were dropped (see <see cref="TiffReadOptions.DropAlpha"/>).</summary>
    public bool AlphaDropped { get; init; }
}
