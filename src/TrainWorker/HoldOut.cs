using System.Security.Cryptography;
using System.Text;
using AcqSeg.Persistence;

namespace AcqSeg.TrainWorker;

public sealed record TrainingSplit(IReadOnlyList<CorrectionRow> Train, IReadOnlyList<CorrectionRow> Scored, bool ScoredOnTrainingFrames);

/// <summary>
/// Splits a lineage's corrected frames into frames to train on and frames held back for scoring. The held-back
/// frames are those whose id hashes lowest, so a frame keeps its role from round to round as frames are added and
/// scores of successive versions stay comparable. With a single corrected frame nothing can be held back without
/// leaving nothing to train on: the run trains on it and both models are scored on that same frame, which favours
/// the candidate; the run's outcome says so.
/// </summary>
public static class HoldOut
{
    public static int Count(int frames, double fraction) =>
        frames < 2 ? 0 : Math.Clamp((int)Math.Round(frames * fraction, MidpointRounding.AwayFromZero), 1, frames - 1);

    public static TrainingSplit Split(IReadOnlyList<CorrectionRow> corrections, double fraction)
    {
        int k = Count(corrections.Count, fraction);
        if (k == 0) return new TrainingSplit(corrections, corrections, ScoredOnTrainingFrames: true);
        var ordered = corrections.OrderBy(c => Key(c.FrameId), StringComparer.Ordinal).ToList();
        var scored = ordered.Take(k).ToHashSet();
        return new TrainingSplit(corrections.Where(c => !scored.Contains(c)).ToList(), ordered.Take(k).ToList(), ScoredOnTrainingFrames: false);
    }

    private static string Key(string frameId) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(frameId)));
}
