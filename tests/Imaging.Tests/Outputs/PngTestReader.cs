using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace AcqSeg.Imaging.Tests.Outputs;

/// <summary>Reads back what PngEncoder writes, from the PNG specification: IHDR fields and the inflated IDAT scanlines.</summary>
internal static class PngTestReader
{
    public sealed record Png(int Width, int Height, int BitDepth, int ColourType, byte[] Scanlines);

    public static Png Read(string path)
    {
        byte[] f = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, f[..8]);
        int pos = 8, width = 0, height = 0, depth = 0, colour = 0;
        using var idat = new MemoryStream();
        while (pos < f.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(f.AsSpan(pos));
            string type = Encoding.ASCII.GetString(f, pos + 4, 4);
            var body = f.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                (depth, colour) = (body[8], body[9]);
            }
            else if (type == "IDAT") idat.Write(body);
            pos += 12 + len;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        return new Png(width, height, depth, colour, raw.ToArray());
    }
}
