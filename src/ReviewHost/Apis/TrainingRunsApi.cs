using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Curators;

namespace AcqSeg.ReviewHost.Apis;

/// <param name="Outcome">Why the run ended as it did (published vN with both scores, rejected with both scores, the error).</param>
public sealed record TrainingRunDto(string Id, string State, int BaseVersion, int Corrections, int? TrainFrames, int? HeldOutFrames, int? Rois,
    string? Schedule, int? Epochs, int? StartEpoch, double? ApBefore, double? ApAfter, int? NewVersion, string? Outcome, string StartedAt,
    string? FinishedAt, double? Seconds);

/// <param name="Pending">Corrections no run has claimed yet: they start the next round.</param>
public sealed record TrainingRunsDto(string Model, int Pending, IReadOnlyList<TrainingRunDto> Runs);

/// <summary>
/// The train worker's rounds of one lineage, oldest first: what a curator (or a script acting as one) reads to see
/// whether the corrections sent were trained on, and whether the result was published.
/// </summary>
public static class TrainingRunsApi
{
    public static IEndpointRouteBuilder MapTrainingRunsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").MapGet("/models/{model}/training-runs", Runs).RequireCurator();
        return app;
    }

    private static async Task<IResult> Runs(string model, CorrectionStore corrections, ModelStore models, CancellationToken cancel)
    {
        if (await models.LatestAsync(model, cancel) is null)
            return Results.Problem($"model lineage '{model}' has no versions yet (GET /api/models lists the lineages)", statusCode: 404);
        var runs = await corrections.RunsAsync(model, cancel);
        int pending = await corrections.PendingCountAsync(model, cancel);
        return Results.Ok(new TrainingRunsDto(model, pending, runs.Select(r => new TrainingRunDto(r.Id, r.State, r.BaseVersion, r.Corrections,
            r.TrainFrames, r.HeldOutFrames, r.Rois, r.Schedule, r.Epochs, r.StartEpoch, r.ApBefore, r.ApAfter, r.NewVersion, r.Outcome,
            r.StartedAt, r.FinishedAt, r.Seconds)).ToList()));
    }
}
