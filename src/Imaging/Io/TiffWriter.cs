using System.Globalization;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Imaging.Io;

/// <summary>
/// Writes label images (uint16, or uint32 above 65,535) and float32 pages, Deflate-compressed, in the baseline layout
/// that ImageJ/Fiji and tifffile read. Multi-page float files carry a minimal ImageJ description so Fiji opens them as
/// one stack of channels. Writes go to a temporary file that replaces the target only when complete.
/// </summary>
public static class TiffWriter
{
    /// <summary>The ImageJ version string tifffile writes; ImageJ only checks the "ImageJ=" prefix.</summary>
    private const string ImageJVersion = "1.11a";

    public static void WriteLabels(string path, LabelImage labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int max = 0;
        for (int i = 0; i < labels.Labels.Length; i++)
        {
            int v = labels.Labels[i];
            if (v < 0) throw new ArgumentException($"label {v} at pixel ({i % labels.Width}, {i / labels.Width}) is negative; labels are 0 (background) or positive", nameof(labels));
            if (v > max) max = v;
        }
        bool wide = max > ushort.MaxValue;
        int bytes = wide ? 4 : 2;
        WritePages(path, labels.Height, labels.Width, bytes * 8, SampleFormat.UINT, 1, description: null, (page, y, rows, buf) =>
        {
            int n = rows * labels.Width, o = y * labels.Width;
            for (int i = 0; i < n; i++)
            {
                int v = labels.Labels[o + i];
                if (wide) BitConverter.TryWriteBytes(buf.AsSpan(i * 4), (uint)v);
                else BitConverter.TryWriteBytes(buf.AsSpan(i * 2), (ushort)v);
            }
        });
    }

    /// <summary>
    /// A label stack: one page per plane in ImageJ's hyperstack order (T-major, Z fastest), with the hyperstack
    /// description (slices, frames, display range 0..max label) so Fiji opens it as a Z/T stack and tifffile reads it as
    /// (T, Z, Y, X). A pixel size in micrometres, when known, goes into X/YResolution with ImageJ's unit and Z spacing.
    /// <paramref name="documentName"/> goes into the DocumentName tag (269, read back as
    /// <see cref="TiffMetadata.DocumentName"/>): the service records there which image the masks belong to.
    /// </summary>
    public static void WriteLabelStack(string path, IReadOnlyList<LabelImage> planes, int sizeZ, int sizeT, StackCalibration? calibration = null,
        string? documentName = null)
    {
        ArgumentNullException.ThrowIfNull(planes);
        if (sizeZ < 1 || sizeT < 1 || planes.Count != sizeZ * sizeT)
            throw new ArgumentException($"{planes.Count} planes do not make a stack of Z={sizeZ} x T={sizeT}", nameof(planes));
        int height = planes[0].Height, width = planes[0].Width, max = 0;
        for (int k = 0; k < planes.Count; k++)
        {
            var plane = planes[k];
            if (plane.Height != height || plane.Width != width)
                throw new ArgumentException($"plane {k} is {plane.Width}x{plane.Height}, plane 0 is {width}x{height}", nameof(planes));
            foreach (int v in plane.Labels)
            {
                if (v < 0) throw new ArgumentException($"plane {k} has the negative label {v}; labels are 0 (background) or positive", nameof(planes));
                if (v > max) max = v;
            }
        }
        bool wide = max > ushort.MaxValue;
        var ci = CultureInfo.InvariantCulture;
        var description = new System.Text.StringBuilder($"ImageJ={ImageJVersion}\nimages={planes.Count}\n");
        if (sizeZ > 1) description.Append(ci, $"slices={sizeZ}\n");
        if (sizeT > 1) description.Append(ci, $"frames={sizeT}\n");
        description.Append(ci, $"hyperstack=true\nmode=grayscale\nmin=0\nmax={Math.Max(max, 1)}\n");
        if (calibration is { } cal)
        {
            description.Append("unit=micron\n");
            if (cal.PixelSizeZ is > 0 and var dz) description.Append(ci, $"spacing={dz.ToString("R", ci)}\n");
        }
        description.Append("loop=false\n");
        WritePages(path, height, width, wide ? 32 : 16, SampleFormat.UINT, planes.Count, samples: 1, Photometric.MINISBLACK, description.ToString(),
            (page, y, rows, buf) =>
            {
                var labels = planes[page].Labels;
                int n = rows * width, o = y * width;
                for (int i = 0; i < n; i++)
                {
                    if (wide) BitConverter.TryWriteBytes(buf.AsSpan(i * 4), (uint)labels[o + i]);
                    else BitConverter.TryWriteBytes(buf.AsSpan(i * 2), (ushort)labels[o + i]);
                }
            }, calibration, documentName);
    }

    /// <summary>One float32 page per plane (e.g. dY, dX, cellprob); tifffile reads (pages, H, W), Fiji a channel stack.</summary>
    public static void WriteFloatPages(string path, IReadOnlyList<float[]> planes, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(planes);
        if (planes.Count == 0) throw new ArgumentException("no planes to write", nameof(planes));
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image shape {height}x{width} must be positive");
        foreach (var p in planes)
        {
            if (p.Length != (long)height * width) throw new ArgumentException($"plane of {p.Length} values does not match {height}x{width}", nameof(planes));
        }
        string? description = planes.Count > 1 ? ImageJDescription(planes) : null;
        WritePages(path, height, width, 32, SampleFormat.IEEEFP, planes.Count, description, (page, y, rows, buf) =>
            Buffer.BlockCopy(planes[page], y * width * 4, buf, 0, rows * width * 4));
    }

    /// <summary>
    /// Pages as channels (ImageJ's TZC order makes page = channel), in grayscale mode so Fiji shows each plane as is;
    /// min/max set the display range of float data.
    /// </summary>
    private static string ImageJDescription(IReadOnlyList<float[]> planes)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var p in planes)
        {
            foreach (float v in p)
            {
                if (!float.IsFinite(v)) continue;
                if (v < min) min = v;
                if (v > max) max = v;
            }
        }
        if (min > max) (min, max) = (0, 1);
        var ci = CultureInfo.InvariantCulture;
        return $"ImageJ={ImageJVersion}\nimages={planes.Count}\nchannels={planes.Count}\nhyperstack=true\nmode=grayscale\n" +
               $"min={min.ToString("R", ci)}\nmax={max.ToString("R", ci)}\nloop=false\n";
    }

    private static void WritePages(string path, int height, int width, int bits, SampleFormat format, int pages, string? description,
        Action<int, int, int, byte[]> fillRows) =>
        WritePages(path, height, width, bits, format, pages, samples: 1, Photometric.MINISBLACK, description, fillRows);

    /// <summary>
    /// An intensity image as uint8, uint16 or float32 (bitDepth 8, 16, 32; integer values are rounded and clamped):
    /// one channel as one page; three 8/16-bit channels as chunky RGB (what viewers show in colour); any other channel
    /// count as one page per channel. <see cref="TiffReader"/> reads each layout back as the same channels.
    /// </summary>
    public static void WriteImage(string path, ImageData image, int bitDepth)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (bitDepth is not (8 or 16 or 32)) throw new ArgumentOutOfRangeException(nameof(bitDepth), bitDepth, "bit depth must be 8, 16 or 32");
        int h = image.Height, w = image.Width, plane = h * w;
        var format = bitDepth == 32 ? SampleFormat.IEEEFP : SampleFormat.UINT;
        double max = bitDepth == 8 ? byte.MaxValue : ushort.MaxValue;
        void Put(byte[] buf, int index, float v)
        {
            switch (bitDepth)
            {
                case 8: buf[index] = (byte)Math.Clamp(Math.Round(v), 0, max); break;
                case 16: BitConverter.TryWriteBytes(buf.AsSpan(index * 2), (ushort)Math.Clamp(Math.Round(v), 0, max)); break;
                default: BitConverter.TryWriteBytes(buf.AsSpan(index * 4), v); break;
            }
        }
        if (image.Channels == 3 && bitDepth != 32)
        {
            WritePages(path, h, w, bitDepth, format, 1, samples: 3, Photometric.RGB, description: null, (page, y, rows, buf) =>
            {
                for (int i = 0; i < rows * w; i++)
                    for (int c = 0; c < 3; c++) Put(buf, i * 3 + c, image.Data[c * plane + y * w + i]);
            });
            return;
        }
        string? description = image.Channels > 1
            ? $"ImageJ={ImageJVersion}\nimages={image.Channels}\nchannels={image.Channels}\nhyperstack=true\nmode=grayscale\nloop=false\n"
            : null;
        WritePages(path, h, w, bitDepth, format, image.Channels, samples: 1, Photometric.MINISBLACK, description, (page, y, rows, buf) =>
        {
            for (int i = 0; i < rows * w; i++) Put(buf, i, image.Data[page * plane + y * w + i]);
        });
    }

    private static void WritePages(string path, int height, int width, int bits, SampleFormat format, int pages, int samples, Photometric photometric,
        string? description, Action<int, int, int, byte[]> fillRows, StackCalibration? calibration = null, string? documentName = null)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null) Directory.CreateDirectory(dir);
        // A unique temporary name: parallel writers of the same target must not share one.
        string tmp = Path.Combine(dir ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        LibTiffErrors.Install();
        LibTiffErrors.Clear();
        try
        {
            using (var tif = Tiff.Open(tmp, "w") ?? throw new IOException($"{path}: cannot create the file ({LibTiffErrors.LastOr("no reason given")})"))
            {
                long rowBytes = (long)width * samples * bits / 8;
                int rowsPerStrip = (int)Math.Clamp(65536 / rowBytes, 1, height);
                var strip = new byte[rowsPerStrip * rowBytes];
                for (int p = 0; p < pages; p++)
                {
                    tif.SetField(TiffTag.IMAGEWIDTH, width);
                    tif.SetField(TiffTag.IMAGELENGTH, height);
                    tif.SetField(TiffTag.BITSPERSAMPLE, bits);
                    tif.SetField(TiffTag.SAMPLESPERPIXEL, samples);
                    tif.SetField(TiffTag.SAMPLEFORMAT, format);
                    tif.SetField(TiffTag.PHOTOMETRIC, photometric);
                    tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
                    tif.SetField(TiffTag.COMPRESSION, Compression.ADOBE_DEFLATE);
                    tif.SetField(TiffTag.ROWSPERSTRIP, rowsPerStrip);
                    if (p == 0 && description is not null) tif.SetField(TiffTag.IMAGEDESCRIPTION, description);
                    // LibTiff.NET stores ASCII tags as Latin-1, which turns other characters into '?'. Its Latin-1 view of the
                    // UTF-8 bytes is stored as those bytes, and the reader decodes UTF-8 first (as it does for ImageJ's text).
                    if (p == 0 && documentName is not null)
                        tif.SetField(TiffTag.DOCUMENTNAME, System.Text.Encoding.Latin1.GetString(System.Text.Encoding.UTF8.GetBytes(documentName)));
                    if (calibration is { } cal)
                    {
                        // ImageJ's convention: pixels per unit, no TIFF resolution unit, the unit itself in the description.
                        tif.SetField(TiffTag.XRESOLUTION, 1 / cal.PixelSizeX);
                        tif.SetField(TiffTag.YRESOLUTION, 1 / cal.PixelSizeY);
                        tif.SetField(TiffTag.RESOLUTIONUNIT, ResUnit.NONE);
                    }
                    if (pages > 1)
                    {
                        tif.SetField(TiffTag.SUBFILETYPE, FileType.PAGE);
                        tif.SetField(TiffTag.PAGENUMBER, p, pages);
                    }
                    for (int y = 0, s = 0; y < height; y += rowsPerStrip, s++)
                    {
                        int rows = Math.Min(rowsPerStrip, height - y);
                        fillRows(p, y, rows, strip);
                        if (tif.WriteEncodedStrip(s, strip, (int)(rows * rowBytes)) < 0)
                            throw new IOException($"{path}: cannot write rows {y}..{y + rows - 1} of page {p} ({LibTiffErrors.LastOr("no reason given")})");
                    }
                    if (!tif.WriteDirectory()) throw new IOException($"{path}: cannot write the directory of page {p} ({LibTiffErrors.LastOr("no reason given")})");
                }
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}

/// <summary>Pixel size in micrometres (X, Y and the Z step when known) for a written stack.</summary>
public sealed record StackCalibration(double PixelSizeX, double PixelSizeY, double? PixelSizeZ)
{
    /// <summary>The file's pixel size when it is stated in micrometres, else null.</summary>
    public static StackCalibration? From(TiffMetadata meta) =>
        meta.PixelSizeX is > 0 and var x && meta.PixelSizeUnit == "µm"
            ? new StackCalibration(x, meta.PixelSizeY is > 0 and var y ? y : x, meta.PixelSizeZ)
            : null;
}
