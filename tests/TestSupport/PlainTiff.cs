using System.Buffers.Binary;
using AcqSeg.Imaging.Io;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.TestSupport;

/// <summary>Multi-page TIFFs as plain writers leave them (no ImageJ or OME axes unless a description is given), for stack tests.</summary>
public static class PlainTiff
{
    /// <summary>A uint16 multi-page TIFF, one page per plane (null = a blank page), with an optional description and
    /// ImageJ-style resolution (pixels per unit).</summary>
    public static void Write(string path, IReadOnlyList<ImageData?> planes, string? description = null, double? pixelsPerUnit = null)
    {
        var shape = planes.First(p => p is not null)!;
        int h = shape.Height, w = shape.Width;
        using var tif = Tiff.Open(path, "w");
        for (int p = 0; p < planes.Count; p++)
        {
            foreach (var (tag, value) in new (TiffTag, object)[]
                     {
                         (TiffTag.IMAGEWIDTH, w), (TiffTag.IMAGELENGTH, h), (TiffTag.BITSPERSAMPLE, 16), (TiffTag.SAMPLESPERPIXEL, 1),
                         (TiffTag.PHOTOMETRIC, Photometric.MINISBLACK), (TiffTag.ROWSPERSTRIP, h),
                     })
                tif.SetField(tag, value);
            if (p == 0 && description is not null) tif.SetField(TiffTag.IMAGEDESCRIPTION, description);
            if (pixelsPerUnit is { } res)
            {
                tif.SetField(TiffTag.XRESOLUTION, res);
                tif.SetField(TiffTag.YRESOLUTION, res);
                tif.SetField(TiffTag.RESOLUTIONUNIT, ResUnit.NONE);
            }
            var bytes = new byte[h * w * 2];
            if (planes[p] is { } plane)
                for (int i = 0; i < h * w; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)plane.Data[i]);
            tif.WriteEncodedStrip(0, bytes, bytes.Length);
            tif.WriteDirectory();
        }
    }
}
