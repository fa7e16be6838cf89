using System.Security.Cryptography;
using System.Text;
using AcqSeg.Persistence;

namespace AcqSeg.TrainWorker;

/// <param name="NewToCurrent">training frames the current version never trained on; with none, the candidate would
/// learn from the very frames the current version learnt from</param>
public sealed record TrainingSplit(IReadOnlyList<CorrectionRow> Train, IReadOnlyList<CorrectionRow> Scored, bool ScoredOnTrainingFrames, int NewToCurrent);

/// <summary>
/// Splits a lineage's corrected frames into frames to train on and frames held back to score the candidate against
/// the current version. Held-back frames come only from frames the current version never trained on
/// (<see cref="UnseenBy"/>): scoring the current version on its own training frames made it look better than it is,
/// and later candidates were rejected (issue 19: the H&E loop through the service, where the first frame was trained on
/// in round 1 and held back from round 2 on). Among those frames the ones whose id hashes lowest are held back, so a
/// frame keeps its role while the current version stays. With a single corrected frame nothing can be held back
/// without leaving nothing to train on: the run trains on it and both models are scored on that same frame, which
/// favours the candidate; the run's outcome says so. When every frame the candidate could train on is one the current
/// version trained on (round 2 of a loop: frame 1 made v2, frame 2 must be held back), the candidate would relearn the
/// current version, so <see cref="TrainingSplit.NewToCurrent"/> is 0 and the trainer skips the round.
/// </summary>
public static class HoldOut
{
    public static int Count(int frames, double fraction) =>
        frames < 2 ? 0 : Math.Clamp((int)Math.Round(frames * fraction, MidpointRounding.AwayFromZero), 1, frames - 1);

    /// <param name="unseenByCurrent">true for a frame the current version cannot have trained on</param>
    public static TrainingSplit Split(IReadOnlyList<CorrectionRow> corrections, double fraction, Func<CorrectionRow, bool> unseenByCurrent)
    {
        int k = Count(corrections.Count, fraction);
        var unseen = corrections.Where(unseenByCurrent).OrderBy(c => Key(c.FrameId), StringComparer.Ordinal).ToList();
        if (k == 0 || unseen.Count == 0) return new TrainingSplit(corrections, corrections, ScoredOnTrainingFrames: true, unseen.Count);
        var scored = unseen.Take(k).ToList();
        var held = scored.ToHashSet();
        return new TrainingSplit(corrections.Where(c => !held.Contains(c)).ToList(), scored, ScoredOnTrainingFrames: false, unseen.Count - scored.Count);
    }

    /// <summary>
    /// The frames the current version never trained on: every frame when it is the base (no training run made it);
    /// otherwise frames it or a later version segmented (it existed before they were written), frames claimed by a run
    /// that started after the run that made it (that run had finished before they were claimed), and frames the run that
    /// made it held back for scoring. (Runs recorded before held-back ids were kept count their held-back frames as seen.)
    /// </summary>
    /// <param name="runs">the lineage's training runs in the order they started</param>
    public static Func<CorrectionRow, bool> UnseenBy(int currentVersion, string? madeByRun, IReadOnlyList<TrainingRunRow> runs)
    {
        if (currentVersion <= 1 && madeByRun is null) return _ => true;
        int at = madeByRun is null ? -1 : runs.ToList().FindIndex(r => r.Id == madeByRun);
        var later = at < 0 ? [] : runs.Skip(at + 1).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var heldBack = at < 0 || runs[at].HeldOutFrameIds is not { Length: > 0 } ids
            ? []
            : ids.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return c => c.ModelVersion >= currentVersion || (c.TrainingRunId is { } id && later.Contains(id)) || heldBack.Contains(c.FrameId);
    }

    private static string Key(string frameId) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(frameId)));
}
