using System.Buffers.Binary;
using System.IO.Compression;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Outputs;

/// <summary>
/// An ImageJ ROI set (X_rois.zip, what Cellpose's --save_rois writes and Fiji's ROI Manager opens): one .roi file per
/// mask, each a polygon ROI in ImageJ's binary format (ij/io/RoiDecoder): a 64-byte big-endian header ("Iout", version,
/// type 0 = polygon, bounding box top/left/bottom/right, point count), the x then y coordinates as shorts relative to
/// the box's top-left, then the 64-byte header2 that carries the ROI's name.
/// </summary>
public static class ImageJRoiZip
{
    public const int Version = 228;
    private const int HeaderSize = 64;
    private const int Header2Size = 64;

    /// <summary>"0001-0120-0345": the mask's number, then its box centre as y and x, ImageJ's own y-x naming.</summary>
    public static string RoiName(int index, MaskOutline o)
    {
        int cx = (o.X.Min() + o.X.Max()) / 2, cy = (o.Y.Min() + o.Y.Max()) / 2;
        return $"{index:D4}-{cy:D4}-{cx:D4}";
    }

    /// <summary>One polygon ROI file. Coordinates beyond 32767 do not fit ImageJ's short fields.</summary>
    public static byte[] Encode(MaskOutline o, string name)
    {
        int n = o.Count;
        if (n is < 1 or > 65535) throw new ArgumentException($"mask {o.Label}: {n} outline points; an ImageJ polygon holds 1 to 65535");
        int left = o.X.Min(), top = o.Y.Min(), right = o.X.Max(), bottom = o.Y.Max();
        if (right > short.MaxValue || bottom > short.MaxValue)
            throw new ArgumentException($"mask {o.Label} reaches ({right}, {bottom}); ImageJ ROI coordinates stop at {short.MaxValue}, so write the masks TIFF instead");
        int hdr2 = HeaderSize + 4 * n;
        var data = new byte[hdr2 + Header2Size + 2 * name.Length];
        "Iout"u8.CopyTo(data);
        Short(data, 4, Version);
        data[6] = 0; // polygon
        Short(data, 8, top);
        Short(data, 10, left);
        // As RoiEncoder writes a polygon's bounds: java.awt.Polygon's box, whose width is max x - min x.
        Short(data, 12, bottom);
        Short(data, 14, right);
        Short(data, 16, n);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(60), hdr2);
        for (int i = 0; i < n; i++)
        {
            Short(data, HeaderSize + 2 * i, o.X[i] - left);
            Short(data, HeaderSize + 2 * n + 2 * i, o.Y[i] - top);
        }
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(hdr2 + 16), hdr2 + Header2Size); // name offset
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(hdr2 + 20), name.Length); // name length in chars
        for (int i = 0; i < name.Length; i++) Short(data, hdr2 + Header2Size + 2 * i, name[i]);
        return data;
    }

    /// <summary>Writes the masks' outlines (Cellpose's outlines_list); masks too small to outline are left out.</summary>
    public static int Write(string path, LabelImage masks)
    {
        string tmp = path + ".tmp";
        int written = 0;
        using (var zip = new ZipArchive(File.Create(tmp), ZipArchiveMode.Create))
        {
            foreach (var o in MaskContours.Outlines(masks))
            {
                if (o.Count == 0) continue;
                string name = RoiName(++written, o);
                using var entry = zip.CreateEntry(name + ".roi", CompressionLevel.Fastest).Open();
                entry.Write(Encode(o, name));
            }
        }
        File.Move(tmp, path, overwrite: true);
        return written;
    }

    private static void Short(byte[] data, int offset, int value) => BinaryPrimitives.WriteInt16BigEndian(data.AsSpan(offset), unchecked((short)value));
}
