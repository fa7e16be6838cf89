using System.IO.Compression;
using System.Runtime.InteropServices;
using Microsoft.Net.Http.Headers;

namespace AcqSeg.ReviewHost.Apis;

/// <summary>
/// How the editor's pixels and labels travel. By default as before: float32 pixels and int32 labels, little-endian. With
/// compact=true, in the smallest type that holds every value exactly (pixels uint8, uint16 or float32; labels uint16 or
/// int32), named in X-Sample-Type. Either form is gzip-compressed (Content-Encoding: gzip) when the client accepts it, as
/// browsers do, and it saves bytes: a 2048x2048 label image is 16 MiB as int32 and mostly runs of zeros.
/// </summary>
public static class SampleTransfer
{
    public const string TypeHeader = "X-Sample-Type";

    /// <summary>The bytes of <paramref name="pixels"/> in the type named by the returned string.</summary>
    public static (byte[] Bytes, string Type) Pixels(float[] pixels, bool compact)
    {
        if (!compact) return (MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray(), "float32");
        float max = 0;
        foreach (float v in pixels)
        {
            // Not a whole number from 0 to 65535 (NaN included): only float32 holds it exactly.
            if (!(v >= 0 && v <= ushort.MaxValue && v == MathF.Floor(v))) return (MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray(), "float32");
            if (v > max) max = v;
        }
        if (max <= byte.MaxValue)
        {
            var bytes = new byte[pixels.Length];
            for (int i = 0; i < pixels.Length; i++) bytes[i] = (byte)pixels[i];
            return (bytes, "uint8");
        }
        var words = new ushort[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) words[i] = (ushort)pixels[i];
        return (MemoryMarshal.AsBytes(words.AsSpan()).ToArray(), "uint16");
    }

    /// <summary>The bytes of <paramref name="labels"/>: uint16 when compact and every label fits, else int32.</summary>
    public static (byte[] Bytes, string Type) Labels(int[] labels, bool compact)
    {
        if (compact && Array.TrueForAll(labels, v => v is >= 0 and <= ushort.MaxValue))
        {
            var words = new ushort[labels.Length];
            for (int i = 0; i < labels.Length; i++) words[i] = (ushort)labels[i];
            return (MemoryMarshal.AsBytes(words.AsSpan()).ToArray(), "uint16");
        }
        return (MemoryMarshal.AsBytes(labels.AsSpan()).ToArray(), "int32");
    }

    /// <summary>
    /// The samples as the response body, gzip-compressed when the request accepts gzip and that makes them smaller: noisy
    /// 16-bit pixels barely compress (a Usiigaci phase frame to 88 %), label images shrink to a few percent.
    /// </summary>
    public static IResult Send(HttpContext http, byte[] bytes, string type)
    {
        var response = http.Response;
        response.Headers[TypeHeader] = type;
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (AcceptsGzip(http.Request) && Compressible(bytes))
        {
            // Fastest: on a 2048x2048 frame it costs tens of milliseconds and keeps most of the saving.
            using var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
            if (compressed.Length < bytes.Length)
            {
                response.Headers.ContentEncoding = "gzip";
                return Results.Bytes(compressed.ToArray(), "application/octet-stream");
            }
        }
        return Results.Bytes(bytes, "application/octet-stream");
    }

    /// <summary>Whether 64 KiB from the middle shrink by a tenth: noise is sent as it is, without compressing it all first.</summary>
    private static bool Compressible(byte[] bytes)
    {
        const int Sample = 64 * 1024;
        if (bytes.Length <= Sample) return true;
        using var probe = new MemoryStream();
        using (var gzip = new GZipStream(probe, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes, (bytes.Length - Sample) / 2, Sample);
        return probe.Length < 0.9 * Sample;
    }

    public static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var value in request.GetTypedHeaders().AcceptEncoding)
        {
            if (value.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && value.Quality is null or > 0) return true;
        }
        return false;
    }
}
