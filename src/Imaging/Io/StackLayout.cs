namespace AcqSeg.Imaging.Io;

/// <summary>
/// How a file's pages form planes to segment: channel pages per plane (C), Z slices and time points, and where that
/// came from (ImageJ or OME-XML metadata, the user's <c>--axes</c>, or a rule below). Planes run T-major (Z fastest),
/// the order ImageJ hyperstacks store them in.
/// </summary>
public sealed record StackLayout(int SizeC, int SizeZ, int SizeT, string Source)
{
    /// <summary>How <see cref="PlaneOptions"/> reads pages when the file declares no layout; null when it does.</summary>
    public PageAxis? UndeclaredAxis { get; init; }

    public int Planes => SizeZ * SizeT;

    /// <summary>More than one plane: segmented plane by plane into a label stack, never flattened.</summary>
    public bool IsStack => Planes > 1;

    /// <summary>The stack's axes in numpy order without size-1 axes or samples, e.g. "TZYX", "ZCYX", "YX".</summary>
    public string Axes => (SizeT > 1 ? "T" : "") + (SizeZ > 1 ? "Z" : "") + (SizeC > 1 ? "C" : "") + "YX";

    /// <summary>"a Z stack of 5 planes", "a 3 x 4 TZ stack of 12 planes".</summary>
    public string Describe() => (SizeZ > 1, SizeT > 1) switch
    {
        (true, true) => $"a {SizeT} x {SizeZ} TZ stack of {Planes} planes",
        (true, false) => $"a Z stack of {SizeZ} planes",
        (false, true) => $"a time series of {SizeT} planes",
        _ => "a single plane",
    };

    /// <summary>Reader options for plane (z, t) with all its channel pages.</summary>
    public TiffReadOptions PlaneOptions(int z, int t, TiffReadOptions? baseOptions = null) =>
        (baseOptions ?? TiffReadOptions.Default) with
        {
            PageMode = PageMode.Plane,
            Z = z,
            T = t,
            UndeclaredPageAxis = UndeclaredAxis ?? PageAxis.Z,
        };

    /// <summary>The values `--axes` takes, as the CLI's help lists them.</summary>
    public const string AxesChoices = "ZYX|TYX|CYX";

    /// <summary>What `--axes` accepts, for its error message.</summary>
    public const string AxesHelp =
        "use ZYX (the pages are Z slices), TYX (time points) or CYX (channels of one image); a file whose pages hold several " +
        "channels per plane needs ImageJ hyperstack or OME-TIFF metadata, which states how many";

    /// <summary>Parses `--axes`: ZYX (pages are Z slices), TYX (time points) or CYX (channels of one image).</summary>
    public static bool TryParseAxes(string text, out PageAxis axis)
    {
        (bool ok, axis) = text.Trim().ToUpperInvariant() switch
        {
            "ZYX" => (true, PageAxis.Z),
            "TYX" => (true, PageAxis.Time),
            "CYX" => (true, PageAxis.Channel),
            _ => (false, PageAxis.Z),
        };
        return ok;
    }

    private static string AxesName(PageAxis axis) => axis switch { PageAxis.Z => "ZYX", PageAxis.Time => "TYX", _ => "CYX" };

    /// <summary>
    /// The layout of a file from its metadata. Declared ImageJ/OME axes are used as they are (a <paramref name="given"/>
    /// axis that contradicts them is an error: one of the two is wrong). A single page is a single plane. A plain
    /// multi-page file is read along <paramref name="given"/>; without it, its pages are channels only when there are 2
    /// or 3 of them, each a single sample, and <paramref name="channelsNamed"/> (the user picked a channel with
    /// --chan/--chan2, which address R, G, B: at most 3). Anything else is ambiguous and refused, with
    /// <paramref name="fix"/> (how this caller's user chooses) in the message.
    /// </summary>
    public static StackLayout Resolve(string path, TiffMetadata meta, PageAxis? given, bool channelsNamed, string fix)
    {
        ArgumentNullException.ThrowIfNull(meta);
        if (meta.MetadataSource is { } source && meta.SizeC is int c && meta.SizeZ is int z && meta.SizeT is int t)
        {
            var declared = new StackLayout(c, z, t, source);
            if (given is { } g && Contradicts(declared, g))
                throw new TiffReadException(path, TiffErrorKind.AmbiguousAxes,
                    $"its {source} metadata declares axes {declared.Axes} (C={c}, Z={z}, T={t}) but --axes says {AxesName(g)}; --axes is for files " +
                    "without ImageJ or OME axes: drop it for this file, or re-save the file with the axes it really has");
            return declared;
        }
        int pages = meta.Pages;
        if (pages <= 1) return new StackLayout(1, 1, 1, "single page") { UndeclaredAxis = PageAxis.Z };
        if (given is { } axis)
        {
            string by = $"--axes {AxesName(axis)}";
            return axis switch
            {
                PageAxis.Z => new StackLayout(1, pages, 1, by) { UndeclaredAxis = axis },
                PageAxis.Time => new StackLayout(1, 1, pages, by) { UndeclaredAxis = axis },
                _ => new StackLayout(pages, 1, 1, by) { UndeclaredAxis = axis },
            };
        }
        if (pages <= 3 && meta.SamplesPerPixel == 1 && channelsNamed)
            return new StackLayout(pages, 1, 1, "pages as channels (--chan/--chan2)") { UndeclaredAxis = PageAxis.Channel };
        string samples = meta.SamplesPerPixel > 1 ? $" of {meta.SamplesPerPixel} samples each" : "";
        string twoOrThree = pages <= 3 && meta.SamplesPerPixel == 1
            ? $" ({pages} pages are read as channels without --axes only when --chan or --chan2 picks one, as for a Cellpose 2- or 3-channel image)"
            : "";
        throw new TiffReadException(path, TiffErrorKind.AmbiguousAxes,
            $"{pages} pages{samples} and no ImageJ or OME-XML axes: they could be Z slices, time points or channels, and reading them the wrong " +
            $"way would flatten a stack into one image{twoOrThree}; {fix}");
    }

    /// <summary>True when the declared layout has more than one plane or channel along an axis other than the given one.</summary>
    private static bool Contradicts(StackLayout declared, PageAxis given) => given switch
    {
        PageAxis.Z => declared.SizeT > 1 || declared.SizeC > 1,
        PageAxis.Time => declared.SizeZ > 1 || declared.SizeC > 1,
        _ => declared.SizeZ > 1 || declared.SizeT > 1,
    };
}
