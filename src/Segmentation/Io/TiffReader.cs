using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Segmentation.Io;

/// <summary>How pages of a multi-page file become the returned image.</summary>
public enum PageMode
{
    /// <summary>Every page is a channel (tifffile/ImageJ (C, Y, X) stacks, Cellpose flow files).</summary>
    Channels,
    /// <summary>Pages are Z or T positions: one page (<see cref="TiffReadOptions.PageIndex"/>) is returned.</summary>
    SinglePage,
}

public sealed record TiffReadOptions
{
    public static readonly TiffReadOptions Default = new();

    /// <summary>Refuse images with more pixels than this (per page, times pages read); guards against absurd headers.</summary>
    public long MaxPixels { get; init; } = 1L << 30;
    public PageMode PageMode { get; init; } = PageMode.Channels;
    public int PageIndex { get; init; }
}

/// <summary>Reads TIFF files into <see cref="ImageData"/> / <see cref="LabelImage"/> with BitMiracle.LibTiff.NET.</summary>
public static class TiffReader
{
    public static ImageData Read(string path, TiffReadOptions? options = null)
    {
        options ??= TiffReadOptions.Default;
        using var session = TiffSession.Open(path);
        var tif = session.Tiff;
        int pages = tif.NumberOfDirectories();
        int first = 0, count = pages;
        if (options.PageMode == PageMode.SinglePage)
        {
            if (options.PageIndex < 0 || options.PageIndex >= pages)
                throw new TiffReadException(path, TiffErrorKind.BadDimensions, $"page {options.PageIndex} requested, the file has {pages} page(s)");
            first = options.PageIndex;
            count = 1;
        }

        var planes = new List<float[]>();
        int height = 0, width = 0;
        string sampleType = "uint8";
        int spp0 = 1;
        for (int p = first; p < first + count; p++)
        {
            if (!tif.SetDirectory((short)p)) throw session.Fail(TiffErrorKind.Corrupt, $"cannot read page {p}");
            var page = PageDecoder.Decode(session, options.MaxPixels);
            if (p == first) { height = page.Height; width = page.Width; sampleType = page.SampleType; spp0 = page.Samples; }
            else if (page.Height != height || page.Width != width)
                throw session.Fail(TiffErrorKind.BadDimensions, $"page {p} is {page.Width}x{page.Height}, page {first} is {width}x{height}; read one page at a time (PageMode.SinglePage)");
            planes.AddRange(page.Planes);
            if ((long)planes.Count * height * width > options.MaxPixels)
                throw session.Fail(TiffErrorKind.TooLarge, $"{planes.Count} planes of {width}x{height} exceed the limit of {options.MaxPixels} pixels; raise the limit if this is intended");
        }
        var data = new float[(long)planes.Count * height * width];
        for (int c = 0; c < planes.Count; c++) planes[c].CopyTo(data, (long)c * height * width);
        var meta = new TiffMetadata { SampleType = sampleType, Pages = pages, SamplesPerPixel = spp0 };
        return new ImageData(data, planes.Count, height, width, meta);
    }

    /// <summary>Reads a single-plane integer label image (uint8/16/32, int16/32).</summary>
    public static LabelImage ReadLabels(string path, TiffReadOptions? options = null)
    {
        options ??= TiffReadOptions.Default;
        using var session = TiffSession.Open(path);
        var page = PageDecoder.DecodeIntegers(session, options.MaxPixels);
        return new LabelImage(page.Labels, page.Height, page.Width);
    }
}
