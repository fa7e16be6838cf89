using System.Buffers.Binary;

namespace AcqSeg.TestSupport;

/// <summary>
/// A gray uint16 TIFF laid out as tifffile and many acquisition programs write it: header, then the directory, then
/// the pixels (LibTiff puts the directory last). Cut anywhere after the directory, such a file still has a whole
/// header and directory, so only a check of the strips tells that it is not complete.
/// </summary>
public static class DirectoryFirstTiff
{
    public static byte[] Gray16(ushort[] pixels, int width, int height)
    {
        if (pixels.Length != width * height) throw new ArgumentException($"{pixels.Length} pixels for {width}x{height}", nameof(pixels));
        (ushort Tag, ushort Type, uint Value)[] tags =
        [
            (256, 4, (uint)width), (257, 4, (uint)height), (258, 3, 16), (259, 3, 1), (262, 3, 1),
            (273, 4, 0), (277, 3, 1), (278, 4, (uint)height), (279, 4, (uint)(pixels.Length * 2)),
        ];
        const int ifdAt = 8;
        int dataAt = ifdAt + 2 + tags.Length * 12 + 4;
        var file = new byte[dataAt + pixels.Length * 2];
        "II"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), ifdAt);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(ifdAt), (ushort)tags.Length);
        for (int i = 0; i < tags.Length; i++)
        {
            var e = file.AsSpan(ifdAt + 2 + i * 12);
            BinaryPrimitives.WriteUInt16LittleEndian(e, tags[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(e[2..], tags[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], 1);
            uint value = tags[i].Tag == 273 ? (uint)dataAt : tags[i].Value;
            if (tags[i].Type == 3) BinaryPrimitives.WriteUInt16LittleEndian(e[8..], (ushort)value);
            else BinaryPrimitives.WriteUInt32LittleEndian(e[8..], value);
        }
        for (int p = 0; p < pixels.Length; p++) BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(dataAt + 2 * p), pixels[p]);
        return file;
    }

    /// <summary>The frame of a float image (e.g. a reference TIFF), scaled to uint16.</summary>
    public static byte[] FromImage(float[] plane, int width, int height)
    {
        float lo = plane.Min(), hi = plane.Max();
        float scale = hi > lo ? 65535f / (hi - lo) : 0f;
        return Gray16(plane.Select(v => (ushort)Math.Clamp((v - lo) * scale, 0, 65535)).ToArray(), width, height);
    }
}
