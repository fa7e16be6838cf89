using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Segmentation.Io;

/// <summary>Writes label images (uint16, or uint32 above 65,535 objects) and float32 pages, Deflate-compressed,
/// in the baseline layout that ImageJ/Fiji and tifffile read.</summary>
public static class TiffWriter
{
    public static void WriteLabels(string path, LabelImage labels)
    {
        int max = labels.MaxLabel;
        bool wide = max > ushort.MaxValue;
        int bytes = wide ? 4 : 2;
        WritePages(path, labels.Height, labels.Width, bytes * 8, SampleFormat.UINT, 1, (page, row, buf) =>
        {
            int o = row * labels.Width;
            for (int x = 0; x < labels.Width; x++)
            {
                int v = labels.Labels[o + x];
                if (wide) BitConverter.TryWriteBytes(buf.AsSpan(x * 4), (uint)v);
                else BitConverter.TryWriteBytes(buf.AsSpan(x * 2), (ushort)v);
            }
        });
    }

    /// <summary>One float32 page per plane (e.g. dY, dX, cellprob).</summary>
    public static void WriteFloatPages(string path, IReadOnlyList<float[]> planes, int height, int width)
    {
        foreach (var p in planes)
        {
            if (p.Length != height * width) throw new ArgumentException($"plane of {p.Length} values does not match {height}x{width}", nameof(planes));
        }
        WritePages(path, height, width, 32, SampleFormat.IEEEFP, planes.Count, (page, row, buf) =>
            Buffer.BlockCopy(planes[page], row * width * 4, buf, 0, width * 4));
    }

    private static void WritePages(string path, int height, int width, int bits, SampleFormat format, int pages, Action<int, int, byte[]> fillRow)
    {
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        using (var tif = Tiff.Open(tmp, "w") ?? throw new IOException($"{path}: cannot create file"))
        {
            var row = new byte[width * bits / 8];
            int rowsPerStrip = Math.Max(1, 65536 / Math.Max(1, row.Length));
            for (int p = 0; p < pages; p++)
            {
                tif.SetField(TiffTag.IMAGEWIDTH, width);
                tif.SetField(TiffTag.IMAGELENGTH, height);
                tif.SetField(TiffTag.BITSPERSAMPLE, bits);
                tif.SetField(TiffTag.SAMPLESPERPIXEL, 1);
                tif.SetField(TiffTag.SAMPLEFORMAT, format);
                tif.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
                tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
                tif.SetField(TiffTag.COMPRESSION, Compression.ADOBE_DEFLATE);
                tif.SetField(TiffTag.ROWSPERSTRIP, rowsPerStrip);
                if (pages > 1)
                {
                    tif.SetField(TiffTag.SUBFILETYPE, FileType.PAGE);
                    tif.SetField(TiffTag.PAGENUMBER, p, pages);
                }
                for (int y = 0; y < height; y++)
                {
                    fillRow(p, y, row);
                    if (!tif.WriteScanline(row, y)) throw new IOException($"{path}: cannot write row {y} of page {p}");
                }
                tif.WriteDirectory();
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
