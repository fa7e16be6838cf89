using System.Security.Claims;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Curators;

namespace AcqSeg.ReviewHost.Apis;

/// <param name="Outcome">"sent" (the frame moved to Flagged) or "already_in_review" (it was Flagged; nothing changed).</param>
/// <param name="PreviousState">The state the frame left when sent; null when it was in review already.</param>
public sealed record SentToReviewDto(Guid Id, string State, string Outcome, string? PreviousState, string Curator);

/// <param name="NotEligible">Frames left alone because they have no masks (Acquired, Failed), by state.</param>
public sealed record AcquisitionSentDto(string Acquisition, int Sent, int AlreadyInReview, IReadOnlyDictionary<string, int> NotEligible, string Curator);

/// <param name="Sendable">True when the frame can be sent to review now (it has masks and is not in review).</param>
public sealed record RecentFrameDto(Guid Id, string Acquisition, string Path, string State, string Model, int? ModelVersion, string? CompletedAt,
    int? ObjectCount, int? Width, int? Height, bool Sendable, string? SentToReviewBy);

public sealed record RecentFramesDto(IReadOnlyList<RecentFrameDto> Frames, IReadOnlyList<string> Acquisitions);

/// <summary>
/// Curators can review any segmented frame, not only those the quality gate flagged (as Cellpose's GUI corrects any
/// image): a frame with masks that is not in review (Segmented, Accepted, Corrected, Skipped) is sent back to the
/// queue as Flagged with the reason <see cref="FrameStates.SentByCuratorReason"/>, one frame or a whole acquisition
/// at a time. The frame list (any state, newest first) is what the queue page picks frames from.
/// </summary>
public static partial class SendToReviewApi
{
    private const string Suffix = "/send-to-review";

    public static IEndpointRouteBuilder MapSendToReviewApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/frames", ListFrames).RequireCurator();
        api.MapPost("/frames/{id:guid}/send-to-review", SendFrame).RequireCurator();
        // Acquisition names hold '/' for nested folders ("plate1/day2"), so the name is the rest of the path before
        // the suffix; a catch-all cannot be followed by a literal segment in a route template.
        api.MapPost("/acquisitions/{**path}", SendAcquisition).RequireCurator();
        return app;
    }

    private static async Task<IResult> ListFrames(ReviewQueries queries, string? acquisition, string? state, int? limit, CancellationToken cancel)
    {
        if (limit is < 1 or > 1000) return Results.Problem($"limit {limit} must be 1-1000", statusCode: 400);
        string[] states = [FrameStates.Acquired, .. FrameStates.Terminal];
        if (state is not null && Array.IndexOf(states, state) < 0)
            return Results.Problem($"state '{state}' is unknown; use one of {string.Join(", ", states)} (states are case-sensitive)", statusCode: 400);
        var rows = await queries.RecentFramesAsync(string.IsNullOrEmpty(acquisition) ? null : acquisition, state, limit ?? 50, cancel);
        var frames = rows.Select(r => new RecentFrameDto(Guid.Parse(r.Id), r.Acquisition, r.Path, r.State, r.Model, r.ModelVersion, r.CompletedAt,
            r.ObjectCount, r.Width, r.Height, FrameStates.SendableToReview.Contains(r.State), r.SentToReviewBy)).ToList();
        return Results.Ok(new RecentFramesDto(frames, await queries.AcquisitionsAsync(cancel)));
    }

    private static async Task<IResult> SendFrame(Guid id, ClaimsPrincipal user, FrameStore frames, ILoggerFactory loggers, CancellationToken cancel)
    {
        string curator = user.CuratorName();
        var outcome = await frames.SendToReviewAsync(id, curator, cancel);
        switch (outcome.Result)
        {
            case SendToReviewResult.Sent:
                LogFrameSent(Logger(loggers), id, curator, outcome.State!);
                return Results.Ok(new SentToReviewDto(id, FrameStates.Flagged, "sent", outcome.State, curator));
            case SendToReviewResult.AlreadyInReview:
                return Results.Ok(new SentToReviewDto(id, FrameStates.Flagged, "already_in_review", null, curator));
            case SendToReviewResult.NotFound:
                return Results.Problem($"frame {id} does not exist", statusCode: 404);
            default:
                return Results.Problem(await NotEligibleMessageAsync(id, outcome.State!, frames, cancel), statusCode: 409);
        }
    }

    private static async Task<string> NotEligibleMessageAsync(Guid id, string state, FrameStore frames, CancellationToken cancel)
    {
        string sendable = string.Join(", ", FrameStates.SendableToReview);
        string why = state switch
        {
            FrameStates.Acquired => "it is not segmented yet, so it has no masks to review; send it once the segment worker has finished it",
            FrameStates.Failed => $"it could not be segmented ({(await frames.GetAsync(id, cancel))?.Reason ?? "no reason recorded"}), so it has no masks to review",
            _ => "it has no masks to review",
        };
        return $"frame {id} is {state}: {why}. Only frames with masks ({sendable}) can be sent to review";
    }

    private static async Task<IResult> SendAcquisition(string path, ClaimsPrincipal user, FrameStore frames, ILoggerFactory loggers, CancellationToken cancel)
    {
        if (!path.EndsWith(Suffix, StringComparison.Ordinal) || path.Length == Suffix.Length)
            return Results.Problem($"no review API resource 'POST /api/acquisitions/{path}': use POST /api/acquisitions/NAME{Suffix}", statusCode: 404);
        // The server leaves an encoded '/' (%2F) encoded in the path; a client may send the name either way.
        string acquisition = path[..^Suffix.Length].Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        string curator = user.CuratorName();
        var outcome = await frames.SendAcquisitionToReviewAsync(acquisition, curator, cancel);
        if (outcome is null)
            return Results.Problem($"acquisition '{acquisition}' has no frames; GET /api/frames lists the known acquisitions", statusCode: 404);
        LogAcquisitionSent(Logger(loggers), acquisition, curator, outcome.Sent, outcome.AlreadyInReview, outcome.NotEligible.Values.Sum());
        return Results.Ok(new AcquisitionSentDto(acquisition, outcome.Sent, outcome.AlreadyInReview, outcome.NotEligible, curator));
    }

    private static ILogger Logger(ILoggerFactory loggers) => loggers.CreateLogger(typeof(SendToReviewApi).FullName!);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame {FrameId} sent to review by {Curator} (was {PreviousState})")]
    private static partial void LogFrameSent(ILogger logger, Guid frameId, string curator, string previousState);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Acquisition {Acquisition} sent to review by {Curator}: {Sent} frames sent, {AlreadyInReview} already in review, {NotEligible} without masks left alone")]
    private static partial void LogAcquisitionSent(ILogger logger, string acquisition, string curator, int sent, int alreadyInReview, int notEligible);
}
