namespace AcqSeg.Imaging.Io;

/// <summary>How pages of a multi-page file become the returned image.</summary>
public enum PageMode
{
    /// <summary>Every page is a channel (tifffile/ImageJ (C, Y, X) stacks, Cellpose flow files).</summary>
    Channels,
    /// <summary>Exactly one page (<see cref="TiffReadOptions.PageIndex"/>) is returned.</summary>
    SinglePage,
    /// <summary>
    /// One (T, Z) plane (<see cref="TiffReadOptions.T"/>, <see cref="TiffReadOptions.Z"/>) with all its channel pages.
    /// The page layout comes from ImageJ or OME-XML metadata; a file without it is a plain stack whose pages run
    /// along <see cref="TiffReadOptions.UndeclaredPageAxis"/>.
    /// </summary>
    Plane,
}

/// <summary>The axis the pages of a file without ImageJ/OME metadata run along (for <see cref="PageMode.Plane"/>).</summary>
public enum PageAxis
{
    Channel,
    Z,
    Time,
}

/// <summary>What to do with palette (indexed colour) images.</summary>
public enum PaletteHandling
{
    /// <summary>Indices for ImageJ files (there the palette is a display LUT over real intensities), RGB otherwise.</summary>
    Auto,
    /// <summary>The stored indices, as tifffile returns them.</summary>
    Indices,
    /// <summary>Three channels R, G, B from the colour map, scaled to 0..255.</summary>
    ExpandToRgb,
    /// <summary>A <see cref="TiffErrorKind.UnsupportedFormat"/> error.</summary>
    Reject,
}

public sealed record TiffReadOptions
{
    public static readonly TiffReadOptions Default = new();

    /// <summary>Refuse images with more pixels than this (per page, times pages read); guards against absurd headers.</summary>
    public long MaxPixels { get; init; } = 1L << 30;
    public PageMode PageMode { get; init; } = PageMode.Channels;
    /// <summary>The page for <see cref="PageMode.SinglePage"/>.</summary>
    public int PageIndex { get; init; }
    /// <summary>The Z index for <see cref="PageMode.Plane"/>.</summary>
    public int Z { get; init; }
    /// <summary>The time index for <see cref="PageMode.Plane"/>.</summary>
    public int T { get; init; }
    /// <summary>How <see cref="PageMode.Plane"/> reads pages of a file that declares no stack layout.</summary>
    public PageAxis UndeclaredPageAxis { get; init; } = PageAxis.Z;
    /// <summary>Drop alpha samples (RGBA brightfield, gray+alpha): alpha is transparency, not signal.</summary>
    public bool DropAlpha { get; init; } = true;
    public PaletteHandling Palette { get; init; } = PaletteHandling.Auto;
}

/// <summary>
/// Reads TIFF files into <see cref="ImageData"/> / <see cref="LabelImage"/> with BitMiracle.LibTiff.NET: 8/16/32-bit
/// (un)signed integers and float32, 1-4 samples chunky or planar, strips or tiles, none/LZW/Deflate/PackBits, either
/// byte order, classic or BigTIFF. Every failure is a <see cref="TiffReadException"/> naming the file and the reason.
/// </summary>
public static class TiffReader
{
    private const ushort TagImageDescription = 270, TagXResolution = 282, TagYResolution = 283, TagResolutionUnit = 296, TagSamplesPerPixel = 277, TagDocumentName = 269;

    public static ImageData Read(string path, TiffReadOptions? options = null)
    {
        options ??= TiffReadOptions.Default;
        return Guard(path, () =>
        {
            using var session = TiffSession.Open(path);
            var (declared, meta) = ReadMetadata(session);
            int[] pages = SelectPages(session, declared, options);

            var planes = new List<float[]>();
            int height = 0, width = 0;
            string sampleType = "uint8";
            bool alphaDropped = false;
            for (int k = 0; k < pages.Length; k++)
            {
                int p = pages[k];
                var page = PageDecoder.Decode(session, p, options, declared?.Source == "ImageJ");
                if (k == 0) { height = page.Height; width = page.Width; sampleType = page.SampleType; alphaDropped = page.AlphaDropped; }
                else if (page.Height != height || page.Width != width)
                    throw session.Fail(TiffErrorKind.BadDimensions, $"page {p} is {page.Width}x{page.Height}, page {pages[0]} is {width}x{height}; read one page at a time (PageMode.SinglePage)");
                planes.AddRange(page.Planes);
                if ((long)planes.Count * height * width > options.MaxPixels)
                    throw session.Fail(TiffErrorKind.TooLarge, $"{planes.Count} planes of {width}x{height} exceed the limit of {options.MaxPixels} pixels; raise TiffReadOptions.MaxPixels if this is intended, or read one plane (PageMode.Plane)");
            }
            int plane = height * width;
            var data = new float[(long)planes.Count * plane];
            for (int c = 0; c < planes.Count; c++) planes[c].CopyTo(data, (long)c * plane);
            return new ImageData(data, planes.Count, height, width, meta with { SampleType = sampleType, AlphaDropped = alphaDropped });
        });
    }

    /// <summary>
    /// Reads a single-plane integer label image (uint8/16/32, int8/16/32; float32 only if every value is a whole
    /// number). Multi-page files give page 0 unless <paramref name="options"/> selects a page or a (T, Z) plane.
    /// </summary>
    public static LabelImage ReadLabels(string path, TiffReadOptions? options = null)
    {
        options ??= TiffReadOptions.Default;
        return Guard(path, () =>
        {
            using var session = TiffSession.Open(path);
            int page = 0;
            if (options.PageMode != PageMode.Channels)
            {
                var (declared, _) = ReadMetadata(session);
                int[] pages = SelectPages(session, declared, options);
                if (pages.Length != 1)
                    throw session.Fail(TiffErrorKind.UnsupportedFormat, $"the selected plane has {pages.Length} channel pages; a label image is a single plane");
                page = pages[0];
            }
            var decoded = PageDecoder.DecodeIntegers(session, page, options);
            return new LabelImage(decoded.Labels, decoded.Height, decoded.Width);
        });
    }

    /// <summary>Only the metadata (first page's description and resolution); no pixels are decoded.</summary>
    public static TiffMetadata ReadMetadata(string path) =>
        Guard(path, () =>
        {
            using var session = TiffSession.Open(path);
            return ReadMetadata(session).Meta;
        });

    /// <summary>
    /// Checks that the file is whole without decoding pixels: the directory chain, and every page's strips or tiles
    /// inside the file and clear of the header and directories. A file still being written fails with
    /// <see cref="TiffErrorKind.Truncated"/> even when its directory came first and is already complete, which
    /// <see cref="ReadMetadata(string)"/> alone cannot tell.
    /// </summary>
    public static void CheckComplete(string path) =>
        Guard(path, () =>
        {
            using var session = TiffSession.Open(path);
            // No pixel limit here: a large frame is complete all the same, and the reader names the limit when it segments.
            for (int page = 0; page < session.Structure.Pages.Count; page++) PageDecoder.CheckStructure(session, page, long.MaxValue);
            return true;
        });

    /// <summary>Whatever escapes the checks (LibTiff throws many exception types) still reaches callers as a TiffReadException.</summary>
    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (TiffReadException) { throw; }
        catch (OutOfMemoryException ex)
        {
            throw new TiffReadException(path ?? "", TiffErrorKind.TooLarge, "not enough memory to decode the image; lower TiffReadOptions.MaxPixels or read one plane", ex);
        }
        catch (Exception ex)
        {
            throw new TiffReadException(path ?? "", TiffErrorKind.Corrupt, $"cannot be read ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    private static (StackDescription? Declared, TiffMetadata Meta) ReadMetadata(TiffSession s)
    {
        var st = s.Structure;
        var first = st.Pages[0];
        int spp = (int)Math.Min(st.UInt(first, TagSamplesPerPixel) ?? 1, 4);
        var declared = StackDescription.Parse(st.Text(first, TagImageDescription), spp);
        var meta = new TiffMetadata
        {
            Pages = st.Pages.Count,
            SamplesPerPixel = spp,
            IsBigTiff = st.BigTiff,
            IsBigEndian = st.BigEndian,
            DocumentName = st.Text(first, TagDocumentName, maxBytes: 64 << 10),
        };
        if (declared is not null)
        {
            meta = meta with
            {
                Axes = declared.Axes(spp),
                ChannelNames = declared.ChannelNames,
                SizeC = declared.SizeC,
                SizeZ = declared.SizeZ,
                SizeT = declared.SizeT,
                PixelSizeZ = declared.PixelSizeZ,
                MetadataSource = declared.Source,
            };
        }
        return (declared, WithPixelSize(s, first, declared, meta));
    }

    /// <summary>
    /// OME states physical sizes directly. ImageJ stores pixels per unit in X/YResolution with the unit in its
    /// description. Otherwise only an inch or centimetre ResolutionUnit makes the resolution physical (converted to µm).
    /// </summary>
    private static TiffMetadata WithPixelSize(TiffSession s, Ifd first, StackDescription? declared, TiffMetadata meta)
    {
        if (declared is { Source: "OME" } && declared.PixelSizeX is not null)
            return meta with { PixelSizeX = declared.PixelSizeX, PixelSizeY = declared.PixelSizeY ?? declared.PixelSizeX, PixelSizeUnit = declared.Unit };
        var st = s.Structure;
        double? xr = st.Rational(first, TagXResolution), yr = st.Rational(first, TagYResolution);
        if (xr is not > 0) return meta;
        double x = 1 / xr.Value, y = 1 / (yr is > 0 ? yr.Value : xr.Value);
        if (declared is { Source: "ImageJ" })
            return declared.Unit is null ? meta : meta with { PixelSizeX = x, PixelSizeY = y, PixelSizeUnit = declared.Unit };
        double micrometres = (st.UInt(first, TagResolutionUnit) ?? 2) switch { 2 => 25_400, 3 => 10_000, _ => 0 };
        return micrometres == 0 ? meta : meta with { PixelSizeX = x * micrometres, PixelSizeY = y * micrometres, PixelSizeUnit = "µm" };
    }

    private static int[] SelectPages(TiffSession s, StackDescription? declared, TiffReadOptions o)
    {
        int pages = s.PageCount;
        switch (o.PageMode)
        {
            case PageMode.SinglePage:
                if (o.PageIndex < 0 || o.PageIndex >= pages)
                    throw s.Fail(TiffErrorKind.BadDimensions, $"page {o.PageIndex} requested, the file has {pages} page(s)");
                return new[] { o.PageIndex };
            case PageMode.Plane:
                return declared is null ? UndeclaredPlane(s, o, pages) : DeclaredPlane(s, declared, o, pages);
            default:
                return Enumerable.Range(0, pages).ToArray();
        }
    }

    private static int[] DeclaredPlane(TiffSession s, StackDescription d, TiffReadOptions o, int pages)
    {
        if (d.PageCount > pages)
        {
            string hint = pages == 1 ? " (ImageJ writes stacks over 4 GB as raw data behind a single directory; save it as OME-TIFF or in parts)" : "";
            throw s.Fail(pages == 1 ? TiffErrorKind.UnsupportedFormat : TiffErrorKind.Corrupt,
                $"{d.Source} metadata declares {d.PageCount} pages (C={d.SizeC}, Z={d.SizeZ}, T={d.SizeT}) but the file has {pages}{hint}");
        }
        if (o.Z < 0 || o.Z >= d.SizeZ || o.T < 0 || o.T >= d.SizeT)
            throw s.Fail(TiffErrorKind.BadDimensions, $"plane (T={o.T}, Z={o.Z}) requested; the stack has T=0..{d.SizeT - 1}, Z=0..{d.SizeZ - 1}");
        var result = new int[d.SizeC];
        for (int c = 0; c < d.SizeC; c++) result[c] = d.PageOf(c, o.Z, o.T);
        return result;
    }

    private static int[] UndeclaredPlane(TiffSession s, TiffReadOptions o, int pages)
    {
        (int index, int other, string axis) = o.UndeclaredPageAxis switch
        {
            PageAxis.Z => (o.Z, o.T, "Z"),
            PageAxis.Time => (o.T, o.Z, "T"),
            _ => (0, Math.Max(Math.Abs(o.Z), Math.Abs(o.T)), "C"),
        };
        if (o.UndeclaredPageAxis == PageAxis.Channel)
        {
            if (other != 0) throw s.Fail(TiffErrorKind.BadDimensions, $"plane (T={o.T}, Z={o.Z}) requested; the file's pages are channels, so only T=0, Z=0 exist");
            return Enumerable.Range(0, pages).ToArray();
        }
        if (index < 0 || index >= pages || other != 0)
            throw s.Fail(TiffErrorKind.BadDimensions, $"plane (T={o.T}, Z={o.Z}) requested; the file declares no stack layout and its {pages} page(s) are read as {axis}=0..{pages - 1}");
        return new[] { index };
    }
}
