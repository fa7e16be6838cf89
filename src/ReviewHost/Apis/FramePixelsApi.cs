using System.Runtime.InteropServices;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.ReviewHost.Apis;

/// <summary>
/// Raw pixels for the editor (it applies contrast itself): the frame as float32 planes and the masks as int32 labels,
/// little-endian, with the shape in X-Channels / X-Height / X-Width headers; and small thumbnails for the queue.
/// A frame a curator corrected shows its latest correction (X-Labels: correction), so a corrected frame sent back to
/// review is edited from what the curator saved, not from the model's masks again (X-Labels: segmentation).
/// </summary>
public static class FramePixelsApi
{
    public const int MaxThumbnail = 512;

    public static IEndpointRouteBuilder MapFramePixelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/frames/{id:guid}");
        api.MapGet("/pixels", Pixels);
        api.MapGet("/labels", Labels);
        api.MapGet("/thumbnail.png", Thumbnail);
        return app;
    }

    private static async Task<IResult> Pixels(Guid id, HttpResponse response, FrameStore frames, FileRoots roots, CancellationToken cancel)
    {
        var (image, problem) = await ReadImageAsync(id, frames, roots, cancel);
        if (problem is not null) return problem;
        SetShape(response, image!.Channels, image.Height, image.Width);
        return Results.Bytes(MemoryMarshal.AsBytes(image.Data.AsSpan()).ToArray(), "application/octet-stream");
    }

    private static async Task<IResult> Labels(Guid id, HttpResponse response, FrameStore frames, CorrectionStore corrections, FileRoots roots,
        CancellationToken cancel)
    {
        var (labels, source, problem) = await ReadMasksAsync(id, frames, corrections, roots, cancel);
        if (problem is not null) return problem;
        SetShape(response, 1, labels!.Height, labels.Width);
        response.Headers["X-Labels"] = source;
        return Results.Bytes(MemoryMarshal.AsBytes(labels.Labels.AsSpan()).ToArray(), "application/octet-stream");
    }

    /// <summary>
    /// The frame (mean of channels, 1st-99th percentile) with outlines in red, shrunk by area averaging to at most
    /// size x size (<see cref="Thumbnail"/>). Made once per frame, size and masks file (a new correction makes a new
    /// one), kept in Review:ThumbnailCache and served from there afterwards.
    /// </summary>
    private static async Task<IResult> Thumbnail(Guid id, int? size, HttpResponse response, FrameStore frames, CorrectionStore corrections, FileRoots roots,
        IOptions<ReviewOptions> options, CancellationToken cancel)
    {
        int side = size ?? 160;
        if (side is < 16 or > MaxThumbnail) return Results.Problem($"size {side} must be 16-{MaxThumbnail}", statusCode: 400);
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return Results.Problem($"frame {id} does not exist", statusCode: 404);
        if (roots.Refusal(id, frame.Path) is { } refusal) return Results.Problem(refusal, statusCode: 403);
        var correction = await corrections.LatestForFrameAsync(id, cancel);
        string masksPath = correction?.MasksPath ?? frame.MasksPath ?? "";
        string folder = options.Value.ThumbnailFolder;
        string cached = Path.Combine(folder, $"{id:N}-{side}-{CacheKey(frame.Path, masksPath)}.png");
        response.Headers.CacheControl = "private, max-age=60";
        if (File.Exists(cached)) return Results.File(cached, "image/png");

        var (image, problem) = await ReadImageAsync(id, frames, roots, cancel);
        if (problem is not null) return problem;
        var (masks, _, _) = await ReadMasksAsync(id, frames, corrections, roots, cancel);
        if (masks is null || masks.Height != image!.Height || masks.Width != image.Width)
            masks = new LabelImage(new int[image!.PlaneSize], image.Height, image.Width);
        byte[] png = Imaging.Outputs.Thumbnail.Png(image, masks, side);
        Directory.CreateDirectory(folder);
        foreach (string stale in Directory.EnumerateFiles(folder, $"{id:N}-{side}-*.png")) File.Delete(stale);
        string temp = Path.Combine(folder, $".{Guid.NewGuid():N}.tmp");
        await File.WriteAllBytesAsync(temp, png, cancel);
        File.Move(temp, cached, overwrite: true);
        return Results.File(png, "image/png");
    }

    /// <summary>
    /// Names the image and masks files a thumbnail was made from, with the masks' write time: a segmentation run again
    /// rewrites the masks, a correction is a new masks file, and either makes a new thumbnail.
    /// </summary>
    private static string CacheKey(string imagePath, string masksPath)
    {
        long written = File.Exists(masksPath) ? File.GetLastWriteTimeUtc(masksPath).Ticks : 0;
        string stamp = $"{imagePath}|{masksPath}|{written}";
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(stamp)))[..16];
    }

    public static async Task<(ImageData? Image, IResult? Problem)> ReadImageAsync(Guid id, FrameStore frames, FileRoots roots, CancellationToken cancel)
    {
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return (null, Results.Problem($"frame {id} does not exist", statusCode: 404));
        if (roots.Refusal(id, frame.Path) is { } refusal) return (null, Results.Problem(refusal, statusCode: 403));
        try
        {
            return (TiffReader.Read(frame.Path), null);
        }
        catch (Exception ex) when (ex is TiffReadException or IOException)
        {
            return (null, Results.Problem($"frame {id}: image '{frame.Path}' cannot be read: {ex.Message}", statusCode: 409));
        }
    }

    /// <summary>The labels to edit: the latest correction when the frame has one ("correction"), else the model's masks ("segmentation").</summary>
    private static async Task<(LabelImage? Labels, string Source, IResult? Problem)> ReadMasksAsync(Guid id, FrameStore frames, CorrectionStore corrections,
        FileRoots roots, CancellationToken cancel)
    {
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return (null, "", Results.Problem($"frame {id} does not exist", statusCode: 404));
        var correction = await corrections.LatestForFrameAsync(id, cancel);
        var (path, source) = correction is not null ? (correction.MasksPath, "correction") : (frame.MasksPath, "segmentation");
        if (correction is not null && !File.Exists(path))
            return (null, source, Results.Problem($"frame {id}: its latest correction '{path}' is missing from disk", statusCode: 404));
        if (path is null || !File.Exists(path))
            return (null, source, Results.Problem($"frame {id} has no masks (state {frame.State})", statusCode: 404));
        if (roots.Refusal(id, path) is { } refusal) return (null, source, Results.Problem(refusal, statusCode: 403));
        try
        {
            return (TiffReader.ReadLabels(path), source, null);
        }
        catch (Exception ex) when (ex is TiffReadException or IOException)
        {
            return (null, source, Results.Problem($"frame {id}: masks '{path}' cannot be read: {ex.Message}", statusCode: 409));
        }
    }

    private static void SetShape(HttpResponse response, int channels, int height, int width)
    {
        response.Headers["X-Channels"] = channels.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Height"] = height.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Width"] = width.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "private, no-cache";
    }
}
