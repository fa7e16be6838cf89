using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using AcqSeg.Contracts;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Consumers;
using AcqSeg.ReviewHost.Curators;
using AcqSeg.ReviewHost.Events;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AcqSeg.ReviewHost.Apis;

public sealed record FlaggedFrameDto(Guid Id, string Acquisition, string Path, string Model, int? ModelVersion, IReadOnlyList<string> Reasons, string? CompletedAt);

public sealed record FrameDetailDto(FrameRow Frame, FrameStatsRow? Stats, IReadOnlyList<ReviewReason> Reasons)
{
    /// <summary>Which of the editor's views besides the image this frame has (flows and cell probability), or why not.</summary>
    public FrameViewsDto? Views { get; init; }
}

public sealed record CorrectionAccepted(Guid CorrectionId, Guid FrameId, string MasksPath, string Sha256, int Objects);

public static class ReviewApi
{
    public static IHostApplicationBuilder AddReviewServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddModelRegistry();
        builder.Services.AddValidatedOptions<ReviewOptions>(ReviewOptions.SectionName);
        builder.Services.AddHostedService<PipelineGaugeSampler>();
        builder.Services.AddSingleton<FileRoots>();
        builder.Services.AddCuratorAuthentication();
        builder.Services.AddValidatedOptions<EventStreamOptions>(EventStreamOptions.SectionName);
        builder.Services.AddSingleton<FrameEventHub>();
        builder.Services.AddScoped<CuratorRecheck>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>The review host's bus consumers: frame results for the event stream, on a queue of this instance's own.</summary>
    public static IBusRegistrationConfigurator AddReviewConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<FrameEventsConsumer, FrameEventsConsumerDefinition>();
        return bus;
    }

    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        // Every read here needs a curator too (the fallback policy); the throughput page reads the metrics this way
        // because /metrics itself is for the scraper (loopback by default).
        api.MapGet("/metrics", ExportMetrics);
        api.MapGet("/review", ListFlagged);
        api.MapGet("/frames/{id:guid}", GetFrame);
        api.MapGet("/frames/{id:guid}/image.png", GetImage);
        api.MapGet("/frames/{id:guid}/outlines.png", (Guid id, FrameStore frames, FileRoots roots, CancellationToken c) => SendFile(id, frames, roots, f => f.OutlinesPath, "image/png", c));
        api.MapGet("/frames/{id:guid}/masks.tif", (Guid id, FrameStore frames, FileRoots roots, CancellationToken c) => SendFile(id, frames, roots, f => f.MasksPath, "image/tiff", c));
        // Writes need a curator (cookie + anti-forgery header, or a bearer token) and record who made them.
        api.MapPost("/frames/{id:guid}/correction", SubmitCorrection).RequireCurator();
        api.MapPost("/frames/{id:guid}/accept", (Guid id, ClaimsPrincipal user, FrameStore frames, CuratorStore curators, FrameClaimStore claims, CancellationToken c) =>
            Review(id, FrameStates.Accepted, user.CuratorName(), frames, curators, claims, c)).RequireCurator();
        api.MapPost("/frames/{id:guid}/skip", (Guid id, ClaimsPrincipal user, FrameStore frames, CuratorStore curators, FrameClaimStore claims, CancellationToken c) =>
            Review(id, FrameStates.Skipped, user.CuratorName(), frames, curators, claims, c)).RequireCurator();
        app.MapCuratorApi();
        app.MapSendToReviewApi();
        app.MapResegmentApi();
        app.MapTrainingRunsApi();
        app.MapEventsApi();
        app.MapFramePixelsApi();
        app.MapUiAssets();
        // Anything else under /api (a malformed id, a path smuggled into one) gets a message instead of a bare 404.
        api.Map("/{**rest}", (string? rest) => Results.Problem(
            $"no review API resource '/api/{rest}': frame ids are GUIDs (GET /api/review lists them), e.g. /api/frames/{{id}}/masks.tif", statusCode: 404));
        return app;
    }

    private static async Task ExportMetrics(HttpResponse response, CancellationToken cancel)
    {
        response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(response.Body, cancel);
    }

    private static async Task<IResult> ListFlagged(FrameStore frames, string? acquisition, string? reason, string? model, int? limit, CancellationToken cancel)
    {
        if (limit is < 1 or > 1000) return Results.Problem($"limit {limit} must be 1-1000", statusCode: 400);
        var rows = await frames.ListFlaggedAsync(new FlaggedFilter(acquisition, reason, model, limit ?? 100), cancel);
        var result = new List<FlaggedFrameDto>(rows.Count);
        foreach (var f in rows)
        {
            var reasons = await frames.GetReasonsAsync(f.FrameId, cancel);
            result.Add(new FlaggedFrameDto(f.FrameId, f.Acquisition, f.Path, f.Model, f.ModelVersion, reasons.Select(r => r.Reason).ToList(), f.CompletedAt));
        }
        return Results.Ok(result);
    }

    private static async Task<IResult> GetFrame(Guid id, FrameStore frames, FileRoots roots, CancellationToken cancel)
    {
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return NotFound(id);
        var (flows, unavailable) = FramePixelsApi.FlowsFile(frame, roots);
        return Results.Ok(new FrameDetailDto(frame, await frames.GetStatsAsync(id, cancel), await frames.GetReasonsAsync(id, cancel))
        {
            Views = new FrameViewsDto(flows is not null, unavailable),
        });
    }

    /// <summary>The frame as a contrast-stretched grayscale PNG (mean over channels, 1st-99th percentile).</summary>
    private static async Task<IResult> GetImage(Guid id, FrameStore frames, FileRoots roots, CancellationToken cancel)
    {
        var (read, problem) = await FramePixelsApi.ReadImageAsync(id, frames, roots, cancel);
        if (problem is not null) return problem;
        var image = read!;
        var rgb = OutlineOverlay.Render(image, new LabelImage(new int[image.PlaneSize], image.Height, image.Width));
        return Results.File(PngEncoder.EncodeRgb(rgb, image.Width, image.Height), "image/png");
    }

    private static async Task<IResult> SendFile(Guid id, FrameStore frames, FileRoots roots, Func<FrameRow, string?> pick, string contentType, CancellationToken cancel)
    {
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return NotFound(id);
        string? path = pick(frame);
        if (path is null || !File.Exists(path)) return Results.Problem($"frame {id} has no such output (state {frame.State})", statusCode: 404);
        if (roots.Refusal(id, path) is { } refusal) return Results.Problem(refusal, statusCode: 403);
        return Results.File(path, contentType);
    }

    private static async Task<IResult> Review(Guid id, string outcome, string curator, FrameStore frames, CuratorStore curators, FrameClaimStore claims,
        CancellationToken cancel)
    {
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return NotFound(id);
        if (await CuratorApi.ClaimedByOtherAsync(id, curator, claims, cancel) is { } claimed) return claimed;
        if (!await frames.TryReviewAsync(id, outcome, cancel))
            return Results.Problem($"frame {id} is {frame.State}; only Flagged frames can be reviewed", statusCode: 409);
        await curators.SetReviewerAsync(id, curator, cancel);
        await claims.ReleaseAsync(id, curator, cancel);
        return Results.Ok(new { id, state = outcome, curator });
    }

    /// <summary>
    /// A corrected label image for a flagged frame: the body is a label TIFF (Content-Type image/tiff), a Cellpose GUI
    /// X_seg.npy (recognised by its .npy magic, whatever the Content-Type) or polygons JSON (application/json,
    /// <see cref="PolygonCorrection"/>); it must match the frame's size. Stored as a label TIFF, then published.
    /// </summary>
    private static async Task<IResult> SubmitCorrection(Guid id, HttpRequest request, ClaimsPrincipal user, FrameStore frames, CorrectionStore corrections,
        CuratorStore curators, FrameClaimStore claims, IPublishEndpoint publish, IOptions<ReviewOptions> options, CancellationToken cancel)
    {
        var o = options.Value;
        string curator = user.CuratorName();
        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return NotFound(id);
        if (await CuratorApi.ClaimedByOtherAsync(id, curator, claims, cancel) is { } claimed) return claimed;
        if (frame.State != FrameStates.Flagged)
            return Results.Problem(frame.State == FrameStates.Acquired || frame.State == FrameStates.Failed
                ? $"frame {id} is {frame.State}; corrections are taken for frames in review (Flagged), and this one has no masks to correct"
                : $"frame {id} is {frame.State}, not in review; corrections are taken for frames in review (Flagged): send it to review first (POST /api/frames/{id}/send-to-review, or Send to review in the editor)", statusCode: 409);
        var stats = await frames.GetStatsAsync(id, cancel);
        if (stats is null) return Results.Problem($"frame {id} has no stats, so its size is unknown", statusCode: 409);
        if (request.ContentLength > o.MaxUploadBytes)
            return Results.Problem($"upload of {request.ContentLength} bytes exceeds the limit of {o.MaxUploadBytes}", statusCode: 413);

        byte[] body = await ReadLimitedAsync(request.Body, o.MaxUploadBytes, cancel);
        if (body.Length > o.MaxUploadBytes) return Results.Problem($"upload exceeds the limit of {o.MaxUploadBytes} bytes", statusCode: 413);

        LabelImage labels;
        string contentType = request.ContentType ?? "";
        try
        {
            if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                var polygons = JsonSerializer.Deserialize<PolygonCorrection>(body, JsonSerializerOptions.Web)
                    ?? throw new ArgumentException("empty polygons body");
                // Checked before rasterising: the declared size decides how much memory the label image takes.
                if (polygons.Height != stats.Height || polygons.Width != stats.Width)
                    return Results.Problem($"correction is {polygons.Width}x{polygons.Height}; frame {id} is {stats.Width}x{stats.Height}", statusCode: 400);
                if (polygons.Polygons is null) throw new ArgumentException("'polygons' is missing: give a list of polygons, each a list of [x, y] points");
                labels = PolygonMasks.Rasterize(polygons);
            }
            else if (NpyObjectFile.HasMagic(body))
            {
                labels = CellposeSegFile.Parse(body, "the uploaded _seg.npy").Masks;
            }
            else
            {
                labels = ReadLabelTiff(body);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or TiffReadException or SegFileException)
        {
            return Results.Problem($"correction for frame {id} is not a valid label TIFF, Cellpose _seg.npy or polygons JSON: {ex.Message}", statusCode: 400);
        }
        if (labels.Height != stats.Height || labels.Width != stats.Width)
            return Results.Problem($"correction is {labels.Width}x{labels.Height}; frame {id} is {stats.Width}x{stats.Height}", statusCode: 400);
        int negative = Array.FindIndex(labels.Labels, v => v < 0);
        if (negative >= 0)
            return Results.Problem($"correction has label {labels.Labels[negative]} at pixel ({negative % labels.Width}, {negative / labels.Width}); labels are 0 (background) or positive", statusCode: 400);

        string folder = Path.Combine(Path.GetFullPath(o.CorrectionsRoot), id.ToString("N"));
        string temp = Path.Combine(folder, $".{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(folder);
        TiffWriter.WriteLabels(temp, labels);
        string sha = await FileHash.Sha256Async(temp, cancel);
        string path = Path.Combine(folder, sha + ".tif");
        File.Move(temp, path, overwrite: true);

        var correctionId = new Guid(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{id}\n{sha}")).AsSpan(0, 16));
        var now = DateTimeOffset.UtcNow;
        await corrections.TryAddAsync(new CorrectionRow
        {
            Id = correctionId.ToString(),
            FrameId = id.ToString(),
            Model = frame.Model,
            ModelVersion = frame.ModelVersion ?? 1,
            MasksPath = path,
            Sha256 = sha,
            SubmittedAt = Database.Timestamp(now),
        }, cancel);
        await curators.SetCorrectionCuratorAsync(correctionId, curator, cancel);
        await frames.TryReviewAsync(id, FrameStates.Corrected, cancel);
        await curators.SetReviewerAsync(id, curator, cancel);
        await claims.ReleaseAsync(id, curator, cancel);
        await publish.Publish(new CorrectionSubmitted(correctionId, id, frame.Acquisition, frame.Model, frame.ModelVersion ?? 1, path, sha, now), cancel);
        return Results.Ok(new CorrectionAccepted(correctionId, id, path, sha, labels.CountObjects()));
    }

    private static LabelImage ReadLabelTiff(byte[] body)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"acqseg-upload-{Guid.NewGuid():N}.tif");
        try
        {
            File.WriteAllBytes(temp, body);
            return TiffReader.ReadLabels(temp);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(Stream body, long limit, CancellationToken cancel)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, cancel)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > limit) break;
        }
        return buffer.ToArray();
    }

    private static IResult NotFound(Guid id) => Results.Problem($"frame {id} does not exist", statusCode: 404);
}
