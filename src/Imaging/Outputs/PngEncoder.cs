using System.Buffers.Binary;
using System.IO.Compression;

namespace AcqSeg.Imaging.Outputs;

/// <summary>Minimal PNG writer (8-bit RGB, 8- or 16-bit gray; no filtering): outline overlays and mask PNGs without a native imaging library.</summary>
public static class PngEncoder
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Writes interleaved RGB bytes (length = 3 * width * height).</summary>
    public static void WriteRgb(string path, byte[] rgb, int width, int height)
    {
        if (rgb.Length != 3L * width * height)
            throw new ArgumentException($"RGB buffer has {rgb.Length} bytes, {width}x{height} needs {3L * width * height}", nameof(rgb));
        Write(path, rgb, width, height, bitDepth: 8, colourType: 2, rowBytes: width * 3);
    }

    /// <summary>Writes a grayscale image; 16-bit samples are big-endian, as PNG stores them.</summary>
    public static void WriteGray(string path, byte[] samples, int width, int height, int bitDepth)
    {
        if (bitDepth is not (8 or 16)) throw new ArgumentOutOfRangeException(nameof(bitDepth), bitDepth, "gray PNGs here are 8 or 16 bit");
        long need = (long)width * height * bitDepth / 8;
        if (samples.Length != need)
            throw new ArgumentException($"gray buffer has {samples.Length} bytes, {width}x{height} at {bitDepth} bit needs {need}", nameof(samples));
        Write(path, samples, width, height, bitDepth, colourType: 0, rowBytes: width * bitDepth / 8);
    }

    private static void Write(string path, byte[] pixels, int width, int height, int bitDepth, byte colourType, int rowBytes)
    {
        using var file = File.Create(path);
        file.Write(Signature);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        header[9] = colourType;
        WriteChunk(file, "IHDR", header);

        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0); // filter: none
                z.Write(pixels, y * rowBytes, rowBytes);
            }
        }
        WriteChunk(file, "IDAT", raw.ToArray());
        WriteChunk(file, "IEND", []);
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        Span<byte> c = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(c, crc);
        s.Write(c);
    }

    // PNG's CRC-32 (ISO 3309), table-driven.
    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    private static uint Crc(uint crc, byte[] bytes)
    {
        foreach (byte b in bytes) crc = CrcTable[(crc ^ b) & 0xff] ^ (crc >> 8);
        return crc;
    }
}
