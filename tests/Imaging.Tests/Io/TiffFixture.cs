using System.Runtime.InteropServices;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>A TIFF layout to generate: sample type, samples, organisation, compression, byte order, BigTIFF, pages.</summary>
public sealed record TiffLayout(
    string SampleType,
    int Samples = 1,
    bool Planar = false,
    bool Tiled = false,
    Compression Compression = Compression.NONE,
    bool BigEndian = false,
    bool BigTiff = false,
    int Pages = 1,
    int Width = 37,
    int Height = 23,
    Predictor Predictor = Predictor.NONE,
    Photometric? Photometric = null,
    string? Description = null,
    ExtraSample[]? ExtraSamples = null,
    double? Resolution = null,
    ResUnit ResolutionUnit = ResUnit.NONE)
{
    public int Bits => SampleType switch { "uint8" or "int8" => 8, "uint16" or "int16" => 16, _ => 32 };

    public SampleFormat Format => SampleType switch
    {
        "int8" or "int16" or "int32" => SampleFormat.INT,
        "float32" => SampleFormat.IEEEFP,
        _ => SampleFormat.UINT,
    };

    public override string ToString() =>
        $"{SampleType} s{Samples} {(Planar ? "planar" : "chunky")} {(Tiled ? "tiles" : "strips")} {Compression} {(BigEndian ? "MM" : "II")}{(BigTiff ? " BigTIFF" : "")} p{Pages} pred={Predictor}";
}

/// <summary>
/// Writes test TIFFs with LibTiff.NET (the library under the reader, but its writer path) and knows the values it wrote:
/// value(page, sample, y, x) is a deterministic pattern that spans each type's range, including extremes and negatives.
/// </summary>
public static class TiffFixture
{
    public const int TileSize = 16;
    public const int RowsPerStrip = 5; // 23 rows: four strips of 5 and a partial one of 3

    public static double Value(TiffLayout l, int page, int sample, int y, int x)
    {
        long k = ((long)(page * 7 + sample) * 1009 + y * 131 + x * 17) ^ (y * 3 + x);
        return l.SampleType switch
        {
            "uint8" => (k * 37) % 256,
            "int8" => (k * 37) % 256 - 128,
            "uint16" => (k * 2741) % 65536,
            "int16" => (k * 2741) % 65536 - 32768,
            // uint32/int32: keep within float32's exact integers only where the test needs exactness; extremes are
            // compared after the same float conversion the reader applies.
            "uint32" => (k * 2_654_435_761L) % 4_294_967_296L,
            "int32" => (k * 2_654_435_761L) % 4_294_967_296L - 2_147_483_648L,
            _ => (float)((k % 2000 - 1000) * 0.123456789),
        };
    }

    public static void Write(string path, TiffLayout l)
    {
        string mode = "w" + (l.BigEndian ? "b" : "l") + (l.BigTiff ? "8" : "");
        using var tif = Tiff.Open(path, mode) ?? throw new IOException($"cannot create {path}");
        int bytes = l.Bits / 8;
        for (int p = 0; p < l.Pages; p++)
        {
            tif.SetField(TiffTag.IMAGEWIDTH, l.Width);
            tif.SetField(TiffTag.IMAGELENGTH, l.Height);
            tif.SetField(TiffTag.BITSPERSAMPLE, l.Bits);
            tif.SetField(TiffTag.SAMPLESPERPIXEL, l.Samples);
            tif.SetField(TiffTag.SAMPLEFORMAT, l.Format);
            var photometric = l.Photometric ?? BitMiracle.LibTiff.Classic.Photometric.MINISBLACK;
            tif.SetField(TiffTag.PHOTOMETRIC, photometric);
            tif.SetField(TiffTag.PLANARCONFIG, l.Planar ? PlanarConfig.SEPARATE : PlanarConfig.CONTIG);
            tif.SetField(TiffTag.COMPRESSION, l.Compression);
            if (l.Predictor != Predictor.NONE) tif.SetField(TiffTag.PREDICTOR, l.Predictor);
            int colour = photometric == BitMiracle.LibTiff.Classic.Photometric.RGB ? 3 : 1;
            if (l.Samples > colour)
            {
                var extra = l.ExtraSamples ?? Enumerable.Repeat(ExtraSample.UNSPECIFIED, l.Samples - colour).ToArray();
                tif.SetField(TiffTag.EXTRASAMPLES, extra.Length, extra.Select(e => (short)e).ToArray());
            }
            if (p == 0 && l.Description is not null) tif.SetField(TiffTag.IMAGEDESCRIPTION, l.Description);
            if (l.Resolution is double res)
            {
                tif.SetField(TiffTag.XRESOLUTION, res);
                tif.SetField(TiffTag.YRESOLUTION, res);
                tif.SetField(TiffTag.RESOLUTIONUNIT, l.ResolutionUnit);
            }
            if (l.Pages > 1)
            {
                tif.SetField(TiffTag.SUBFILETYPE, FileType.PAGE);
                tif.SetField(TiffTag.PAGENUMBER, p, l.Pages);
            }
            int unitSamples = l.Planar ? 1 : l.Samples;
            int planes = l.Planar ? l.Samples : 1;
            if (l.Tiled)
            {
                tif.SetField(TiffTag.TILEWIDTH, TileSize);
                tif.SetField(TiffTag.TILELENGTH, TileSize);
                for (int plane = 0; plane < planes; plane++)
                {
                    for (int y0 = 0; y0 < l.Height; y0 += TileSize)
                    {
                        for (int x0 = 0; x0 < l.Width; x0 += TileSize)
                        {
                            var buf = new byte[TileSize * TileSize * unitSamples * bytes];
                            for (int r = 0; r < TileSize; r++)
                            {
                                for (int c = 0; c < TileSize; c++)
                                {
                                    int y = y0 + r, x = x0 + c;
                                    if (y >= l.Height || x >= l.Width) continue; // padding of edge tiles stays 0
                                    for (int s = 0; s < unitSamples; s++)
                                    {
                                        int sample = l.Planar ? plane : s;
                                        Put(buf, ((r * TileSize + c) * unitSamples + s) * bytes, l, Value(l, p, sample, y, x));
                                    }
                                }
                            }
                            int tile = tif.ComputeTile(x0, y0, 0, (short)plane);
                            if (tif.WriteEncodedTile(tile, buf, buf.Length) < 0) throw new IOException($"tile {tile} of {l}");
                        }
                    }
                }
            }
            else
            {
                tif.SetField(TiffTag.ROWSPERSTRIP, RowsPerStrip);
                int stripsPerPlane = (l.Height + RowsPerStrip - 1) / RowsPerStrip;
                for (int plane = 0; plane < planes; plane++)
                {
                    for (int k = 0; k < stripsPerPlane; k++)
                    {
                        int rows = Math.Min(RowsPerStrip, l.Height - k * RowsPerStrip);
                        var buf = new byte[rows * l.Width * unitSamples * bytes];
                        for (int r = 0; r < rows; r++)
                        {
                            for (int x = 0; x < l.Width; x++)
                            {
                                for (int s = 0; s < unitSamples; s++)
                                {
                                    int sample = l.Planar ? plane : s;
                                    Put(buf, ((r * l.Width + x) * unitSamples + s) * bytes, l, Value(l, p, sample, k * RowsPerStrip + r, x));
                                }
                            }
                        }
                        if (tif.WriteEncodedStrip(plane * stripsPerPlane + k, buf, buf.Length) < 0) throw new IOException($"strip {k} of {l}");
                    }
                }
            }
            if (!tif.WriteDirectory()) throw new IOException($"directory of page {p} of {l}");
        }
    }

    /// <summary>Host (little-endian) order: LibTiff swaps to the file's byte order itself.</summary>
    private static void Put(byte[] buf, int at, TiffLayout l, double v)
    {
        var span = buf.AsSpan(at);
        switch (l.SampleType)
        {
            case "uint8": span[0] = (byte)v; break;
            case "int8": span[0] = (byte)(sbyte)v; break;
            case "uint16": MemoryMarshal.Write(span, (ushort)v); break;
            case "int16": MemoryMarshal.Write(span, (short)v); break;
            case "uint32": MemoryMarshal.Write(span, (uint)v); break;
            case "int32": MemoryMarshal.Write(span, (int)v); break;
            default: MemoryMarshal.Write(span, (float)v); break;
        }
    }
}

/// <summary>A folder under the system temp folder, deleted with the test.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "acqseg-io-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
