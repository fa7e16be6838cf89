using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using AcqSeg.Contracts;
using AcqSeg.Imaging.Io;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Curators;
using MassTransit;
using Microsoft.Extensions.Options;

namespace AcqSeg.ReviewHost.Apis;

/// <summary>The editor's Re-segment: any setting left out (null) runs as the segment worker runs it.</summary>
/// <param name="Diameter">Object diameter in pixels (3-1000), or 0 to estimate it on this frame with the model's size model.</param>
/// <param name="FlowThreshold">Cellpose's flow-error threshold, 0-10 (0 keeps every mask).</param>
/// <param name="CellprobThreshold">Cellpose's cell-probability threshold, -6 to 6 (lower finds more, larger masks).</param>
public sealed record ResegmentRequestDto(double? Diameter, double? FlowThreshold, double? CellprobThreshold);

/// <summary>A re-segmentation request and, once Done, what ran; <paramref name="Waiting"/> says why a request still waits
/// when it has waited longer than Review:ResegmentWaitSeconds.</summary>
public sealed record ResegmentationDto(Guid Id, Guid FrameId, string State, string Model, string RequestedBy, string RequestedAt,
    double? Diameter, double? FlowThreshold, double? CellprobThreshold, int? ModelVersion, double? DiameterUsed, string? DiameterSource,
    double? FlowThresholdUsed, double? CellprobThresholdUsed, int? ObjectCount, double? Seconds, string? Reason, string? CompletedAt,
    double WaitedSeconds, string? Waiting, string? LabelsUrl);

/// <summary>
/// Re-segment the open frame with another diameter or thresholds, as Cellpose's GUI re-runs a model: the request is
/// stored and sent to the segment workers (<see cref="ResegmentFrame"/>, a queue of its own), and the editor polls it and
/// loads the proposal's labels as an undoable edit. The frame's recorded masks and state do not change; saving the
/// proposal (edited or not) is a correction like any other.
/// </summary>
public static partial class ResegmentApi
{
    public const double MinDiameter = 3, MaxDiameter = 1000, MaxFlowThreshold = 10, CellprobLimit = 6;

    public static IEndpointRouteBuilder MapResegmentApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapPost("/frames/{id:guid}/resegment", Request).RequireCurator();
        api.MapGet("/resegmentations/{id:guid}", Get);
        api.MapGet("/resegmentations/{id:guid}/labels", Labels);
        return app;
    }

    /// <summary>Null when the settings are usable, else the message naming the setting, its range and the value given.</summary>
    public static string? Invalid(ResegmentRequestDto body)
    {
        ArgumentNullException.ThrowIfNull(body);
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        if (body.Diameter is { } d && !(d == 0 || (d >= MinDiameter && d <= MaxDiameter)))
            return $"diameter {F(d)} is out of range: give the objects' diameter in pixels ({MinDiameter}-{MaxDiameter}), 0 to estimate it on this frame, or leave it out for the worker's setting";
        if (body.FlowThreshold is { } f && !(f >= 0 && f <= MaxFlowThreshold))
            return $"flowThreshold {F(f)} is out of range: 0-{MaxFlowThreshold} (Cellpose's default 0.4; 0 keeps every mask), or leave it out";
        if (body.CellprobThreshold is { } c && !(c >= -CellprobLimit && c <= CellprobLimit))
            return $"cellprobThreshold {F(c)} is out of range: -{CellprobLimit} to {CellprobLimit} (Cellpose's default 0; lower finds more and larger masks), or leave it out";
        return null;
    }

    private static async Task<IResult> Request(Guid id, HttpRequest http, ClaimsPrincipal user, FrameStore frames, ResegmentationStore requests,
        FrameClaimStore claims, IPublishEndpoint publish, IOptions<ReviewOptions> options, ILoggerFactory loggers, CancellationToken cancel)
    {
        string curator = user.CuratorName();
        ResegmentRequestDto? body;
        try
        {
            body = http.ContentLength is 0 ? new ResegmentRequestDto(null, null, null) : await http.ReadFromJsonAsync<ResegmentRequestDto>(cancel);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Results.Problem($"re-segment takes JSON {{\"diameter\": D, \"flowThreshold\": F, \"cellprobThreshold\": T}} (Content-Type: application/json; each optional): {ex.Message}", statusCode: 400);
        }
        body ??= new ResegmentRequestDto(null, null, null);
        if (Invalid(body) is { } invalid) return Results.Problem(invalid, statusCode: 400);

        var frame = await frames.GetAsync(id, cancel);
        if (frame is null) return Results.Problem($"frame {id} does not exist", statusCode: 404);
        if (await CuratorApi.ClaimedByOtherAsync(id, curator, claims, cancel) is { } claimed) return claimed;
        if (frame.State != FrameStates.Flagged)
            return Results.Problem(frame.State is FrameStates.Acquired or FrameStates.Failed
                ? $"frame {id} is {frame.State}: it has no segmentation to redo here; frames in review (Flagged) can be re-segmented"
                : $"frame {id} is {frame.State}, not in review; re-segment works on frames in review (Flagged): send it to review first (POST /api/frames/{id}/send-to-review, or Send to review in the editor)", statusCode: 409);

        var now = DateTimeOffset.UtcNow;
        var wait = TimeSpan.FromSeconds(options.Value.ResegmentWaitSeconds);
        if (await requests.PendingForFrameAsync(id, cancel) is { } pending)
        {
            var age = now - Database.ParseTimestamp(pending.RequestedAt);
            if (age < wait)
                return Results.Problem($"frame {id} has a re-segmentation waiting (requested by {pending.RequestedBy} {age.TotalSeconds:F0} s ago, id {pending.Id}); " +
                    $"wait for it (GET /api/resegmentations/{pending.Id}), or ask again after {wait.TotalSeconds:F0} s", statusCode: 409,
                    extensions: new Dictionary<string, object?> { ["pending"] = pending.Id });
            // No worker took it in time (none running, or the bus was down): this request replaces it.
            await requests.TryFailAsync(pending.RequestId, $"no segment worker took it within {wait.TotalSeconds:F0} s; replaced by a newer request", now, cancel);
        }

        var requestId = Guid.NewGuid();
        var row = new ResegmentationRow
        {
            Id = requestId.ToString(), FrameId = id.ToString(), Model = frame.Model, RequestedBy = curator, RequestedAt = Database.Timestamp(now),
            Diameter = body.Diameter, FlowThreshold = body.FlowThreshold, CellprobThreshold = body.CellprobThreshold,
        };
        await requests.AddAsync(row, cancel);
        await publish.Publish(new ResegmentFrame(requestId, id, frame.Sha256, frame.Model, body.Diameter, body.FlowThreshold, body.CellprobThreshold, curator, now), cancel);
        LogRequested(loggers.CreateLogger(typeof(ResegmentApi).FullName!), requestId, id, curator, body.Diameter, body.FlowThreshold, body.CellprobThreshold);
        return Results.Accepted($"/api/resegmentations/{requestId}", Dto(row, now, wait));
    }

    private static async Task<IResult> Get(Guid id, ResegmentationStore requests, IOptions<ReviewOptions> options, CancellationToken cancel)
    {
        var row = await requests.GetAsync(id, cancel);
        return row is null
            ? Results.Problem($"re-segmentation {id} does not exist", statusCode: 404)
            : Results.Ok(Dto(row, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(options.Value.ResegmentWaitSeconds)));
    }

    /// <summary>The proposal's labels, in the form the editor reads a frame's labels (<see cref="SampleTransfer"/>).</summary>
    private static async Task<IResult> Labels(Guid id, bool? compact, HttpContext http, ResegmentationStore requests, FileRoots roots, CancellationToken cancel)
    {
        var row = await requests.GetAsync(id, cancel);
        if (row is null) return Results.Problem($"re-segmentation {id} does not exist", statusCode: 404);
        if (row.State != ResegmentationStates.Done || row.MasksPath is null)
            return Results.Problem(row.State == ResegmentationStates.Failed
                ? $"re-segmentation {id} failed: {row.Reason}"
                : $"re-segmentation {id} is {row.State}: its labels come once it is Done", statusCode: 409);
        if (roots.Refusal(Guid.Parse(row.FrameId), row.MasksPath) is { } refusal) return Results.Problem(refusal, statusCode: 403);
        if (!File.Exists(row.MasksPath)) return Results.Problem($"re-segmentation {id}: its masks '{row.MasksPath}' are gone from disk", statusCode: 404);
        LabelImage labels;
        try
        {
            labels = TiffReader.ReadLabels(row.MasksPath);
        }
        catch (Exception ex) when (ex is TiffReadException or IOException)
        {
            return Results.Problem($"re-segmentation {id}: masks '{row.MasksPath}' cannot be read: {ex.Message}", statusCode: 409);
        }
        var response = http.Response;
        FramePixelsApi.SetShape(response, 1, labels.Height, labels.Width);
        response.Headers["X-Labels"] = "resegmentation";
        // A proposal's file never changes once written, unlike a frame's masks.
        response.Headers.CacheControl = "private, max-age=3600";
        var (bytes, type) = SampleTransfer.Labels(labels.Labels, compact == true);
        return SampleTransfer.Send(http, bytes, type);
    }

    private static ResegmentationDto Dto(ResegmentationRow r, DateTimeOffset now, TimeSpan wait)
    {
        var requested = Database.ParseTimestamp(r.RequestedAt);
        var end = r.CompletedAt is null ? now : Database.ParseTimestamp(r.CompletedAt);
        double waited = Math.Max(0, (end - requested).TotalSeconds);
        string? waiting = r.State == ResegmentationStates.Requested && waited >= wait.TotalSeconds
            ? $"no segment worker has taken it in {waited:F0} s: check that a segment worker is running and connected to this service's bus and database " +
              "(its /health/ready), or that its queue 'resegment-frame' has a consumer"
            : null;
        return new ResegmentationDto(r.RequestId, Guid.Parse(r.FrameId), r.State, r.Model, r.RequestedBy, r.RequestedAt, r.Diameter, r.FlowThreshold,
            r.CellprobThreshold, r.ModelVersion, r.DiameterUsed, r.DiameterSource, r.FlowThresholdUsed, r.CellprobThresholdUsed, r.ObjectCount, r.Seconds,
            r.Reason, r.CompletedAt, Math.Round(waited, 1), waiting, r.State == ResegmentationStates.Done ? $"/api/resegmentations/{r.Id}/labels" : null);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Re-segmentation {RequestId} of frame {FrameId} requested by {Curator}: diameter {Diameter}, flow threshold {FlowThreshold}, cellprob threshold {CellprobThreshold} (empty: the worker's)")]
    private static partial void LogRequested(ILogger logger, Guid requestId, Guid frameId, string curator, double? diameter, double? flowThreshold, double? cellprobThreshold);
}
