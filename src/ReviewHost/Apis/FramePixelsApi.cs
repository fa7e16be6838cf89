using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.ReviewHost.Apis;

/// <summary>Whether the editor's flows and cell-probability views can be shown, and if not, why (naming the fix).</summary>
public sealed record FrameViewsDto(bool Flows, string? FlowsUnavailable);

/// <summary>
/// Raw pixels for the editor (it applies contrast itself): the frame's planes and the masks as labels, little-endian, with
/// the shape in X-Channels / X-Height / X-Width headers and the sample type in X-Sample-Type (<see cref="SampleTransfer"/>:
/// float32 / int32, or with compact=true the smallest exact type; gzip when accepted); small thumbnails for the queue; and
/// the flows and cell-probability views as Cellpose's GUI draws them, from the flows file the segment worker keeps with
/// SegmentWorker:SaveFlows.
/// A frame a curator corrected shows its latest correction (X-Labels: correction), so a corrected frame sent back to
/// review is edited from what the curator saved, not from the model's masks again (X-Labels: segmentation).
/// </summary>
public static class FramePixelsApi
{
    public const int MaxThumbnail = 512;

    /// <summary>The option that makes the segment worker keep a frame's flows, named wherever their absence is explained.</summary>
    public const string SaveFlowsOption = "SegmentWorker:SaveFlows";

    public static IEndpointRouteBuilder MapFramePixelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/frames/{id:guid}");
        api.MapGet("/pixels", Pixels);
        api.MapGet("/labels", Labels);
        api.MapGet("/thumbnail.png", Thumbnail);
        api.MapGet("/flows.png", (Guid id, HttpResponse response, FrameStore frames, FileRoots roots, IOptions<ReviewOptions> options, CancellationToken cancel) =>
            FlowsView(id, "flows", response, frames, roots, options, cancel));
        api.MapGet("/cellprob.png", (Guid id, HttpResponse response, FrameStore frames, FileRoots roots, IOptions<ReviewOptions> options, CancellationToken cancel) =>
            FlowsView(id, "cellprob", response, frames, roots, options, cancel));
        return app;
    }

    private static async Task<IResult> Pixels(Guid id, bool? compact, HttpContext http, FrameStore frames, FileRoots roots, CancellationToken cancel)
    {
        var (image, problem) = await ReadImageAsync(id, frames, roots, cancel);
        if (problem is not null) return problem;
        SetShape(http.Response, image!.Channels, image.Height, image.Width);
        var (bytes, type) = SampleTransfer.Pixels(image.Data, compact == true);
        return SampleTransfer.Send(http, bytes, type);
    }

    private static async Task<IResult> Labels(Guid id, bool? compact, HttpContext http, FrameStore frames, CorrectionStore corrections, FileRoots roots,
        CancellationToken cancel)
    {
        var (labels, source, problem) = await ReadMasksAsync(id, frames, corrections, roots, cancel);
        if (problem is not null) return problem;
        SetShape(http.Response, 1, labels!.Height, labels.Width);
        http.Response.Headers["X-Labels"] = source;
        var (bytes, type) = SampleTransfer.Labels(labels.Labels, compact == true);
        return SampleTransfer.Send(http, bytes, type);
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
        response.Headers.CacheControl = "private, max-age=60";
        return await CachedPngAsync(options.Value.ThumbnailFolder, $"{id:N}-{side}", CacheKey(frame.Path, masksPath), async () =>
        {
            var (image, problem) = await ReadImageAsync(id, frames, roots, cancel);
            if (problem is not null) return (null, problem);
            var (masks, _, _) = await ReadMasksAsync(id, frames, corrections, roots, cancel);
            if (masks is null || masks.Height != image!.Height || masks.Width != image.Width)
                masks = new LabelImage(new int[image!.PlaneSize], image.Height, image.Width);
            return (Imaging.Outputs.Thumbnail.Png(image, masks, side), null);
        }, cancel);
    }

    /// <summary>
    /// Cellpose's GUI views of the network's output: "flows" the flow field in colour (hue the direction, brightness the
    /// normalised magnitude), "cellprob" the cell probability in gray (1st-99th percentile). Made once per flows file and
    /// kept beside the thumbnails. A frame whose flows were not kept answers 404 naming <see cref="SaveFlowsOption"/>.
    /// </summary>
    private static async Task<IResult> FlowsView(Guid id, string view, HttpResponse response, FrameStore frames, FileRoots roots,
        IOptions<ReviewOptions> options, CancellationToken cancel)
    {
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return Results.Problem($"frame {id} does not exist", statusCode: 404);
        var (path, unavailable) = FlowsFile(frame, roots);
        if (path is null && frame.FlowsPath is null)
            return Results.Problem(unavailable, statusCode: 404, extensions: new Dictionary<string, object?> { ["enableWith"] = SaveFlowsOption });
        if (path is null) return Results.Problem(unavailable, statusCode: roots.Contains(frame.FlowsPath!) ? 404 : 403);
        response.Headers.CacheControl = "private, max-age=60";
        string folder = options.Value.ThumbnailFolder, key = CacheKey(frame.Path, path);
        string other = view == "flows" ? "cellprob" : "flows";
        byte[]? otherPng = null;
        var answer = await CachedPngAsync(folder, $"{id:N}-{view}", key, () =>
        {
            ImageData flows;
            try
            {
                flows = TiffReader.Read(path);
            }
            catch (Exception ex) when (ex is TiffReadException or IOException)
            {
                return Task.FromResult<(byte[]?, IResult?)>((null, Results.Problem($"frame {id}: flows '{path}' cannot be read: {ex.Message}", statusCode: 409)));
            }
            if (flows.Channels != 3)
                return Task.FromResult<(byte[]?, IResult?)>((null, Results.Problem(
                    $"frame {id}: flows '{path}' has {flows.Channels} page(s); a flows file has 3 (dY, dX, cell probability)", statusCode: 409)));
            byte[] colours = PngEncoder.EncodeRgb(CellposeSegOutput.FlowColours(flows.Channel(0).ToArray(), flows.Channel(1).ToArray()), flows.Width, flows.Height);
            byte[] probability = PngEncoder.EncodeGray(CellposeSegOutput.CellProbBytes(flows.Channel(2).ToArray()), flows.Width, flows.Height);
            otherPng = view == "flows" ? probability : colours;
            return Task.FromResult<(byte[]?, IResult?)>((view == "flows" ? colours : probability, null));
        }, cancel);
        // Both views come from one read of the (12 bytes a pixel) flows file: the other is kept for its first request.
        if (otherPng is not null) await CachedPngAsync(folder, $"{id:N}-{other}", key, () => Task.FromResult<(byte[]?, IResult?)>((otherPng, null)), cancel);
        return answer;
    }

    /// <summary>The frame's flows file, or null and why not (what to set so that frames keep them).</summary>
    public static (string? Path, string? Unavailable) FlowsFile(FrameRow frame, FileRoots roots)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(roots);
        if (frame.FlowsPath is null)
            return (null, frame.MasksPath is null
                ? $"this frame is {frame.State} and has no segmentation yet, so no flows"
                : $"the segment worker kept no flows for this frame: set {SaveFlowsOption}=true (acqseg run --save-flows) to keep them for frames segmented from then on");
        if (roots.Refusal(frame.FrameId, frame.FlowsPath) is { } refusal) return (null, refusal);
        if (!File.Exists(frame.FlowsPath))
            return (null, $"this frame's flows file '{frame.FlowsPath}' is gone from disk (deleted or moved since it was segmented)");
        return (frame.FlowsPath, null);
    }

    /// <summary>
    /// A PNG made once and kept in <paramref name="folder"/> as NAME-KEY.png (older keys of NAME are deleted): served from
    /// there afterwards, so a frame's thumbnail or view costs its rendering only when its files change.
    /// </summary>
    private static async Task<IResult> CachedPngAsync(string folder, string name, string key, Func<Task<(byte[]? Png, IResult? Problem)>> make,
        CancellationToken cancel)
    {
        string cached = Path.Combine(folder, $"{name}-{key}.png");
        if (File.Exists(cached)) return Results.File(cached, "image/png");
        var (png, problem) = await make();
        if (problem is not null) return problem;
        Directory.CreateDirectory(folder);
        foreach (string stale in Directory.EnumerateFiles(folder, $"{name}-*.png")) File.Delete(stale);
        string temp = Path.Combine(folder, $".{Guid.NewGuid():N}.tmp");
        await File.WriteAllBytesAsync(temp, png!, cancel);
        File.Move(temp, cached, overwrite: true);
        return Results.File(png!, "image/png");
    }

    /// <summary>
    /// Names the image and the masks (or flows) file a picture was made from, with that file's write time: a segmentation
    /// run again rewrites masks and flows, a correction is a new masks file, and either makes a new picture.
    /// </summary>
    private static string CacheKey(string imagePath, string outputPath)
    {
        long written = File.Exists(outputPath) ? File.GetLastWriteTimeUtc(outputPath).Ticks : 0;
        string stamp = $"{imagePath}|{outputPath}|{written}";
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

    /// <summary>The X-Channels / X-Height / X-Width headers the editor reads a transfer's shape from; marks the answer private, no-cache.</summary>
    internal static void SetShape(HttpResponse response, int channels, int height, int width)
    {
        response.Headers["X-Channels"] = channels.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Height"] = height.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Width"] = width.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "private, no-cache";
    }
}
