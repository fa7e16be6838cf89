using AcqSeg.Persistence;

namespace AcqSeg.AllRolesHost.Demo;

/// <summary>
/// One acquisition's progress as the live view shows it, computed from its frame rows: counts per outcome, completion
/// rate over the last seconds, and latency from acquired (the watcher stored the frame) to segmented.
/// </summary>
public sealed record PipelineSnapshot(
    int Acquired,
    int Segmented,
    int Flagged,
    int Failed,
    int Waiting,
    double FramesPerSecond,
    double? MeanLatencySeconds,
    double? P95LatencySeconds)
{
    /// <summary>Frames that reached a terminal state.</summary>
    public int Done => Segmented + Failed;

    /// <param name="rateWindow">Frames/s counts the completions of this last stretch of time ...</param>
    /// <param name="since">... or of the time since the run started, when that is shorter.</param>
    public static PipelineSnapshot From(IEnumerable<FrameRow> frames, DateTimeOffset now, TimeSpan rateWindow, DateTimeOffset since)
    {
        int acquired = 0, segmented = 0, flagged = 0, failed = 0, waiting = 0, recent = 0;
        var latencies = new List<double>();
        foreach (var f in frames)
        {
            acquired++;
            switch (f.State)
            {
                case FrameStates.Acquired:
                    waiting++;
                    continue;
                case FrameStates.Failed:
                    failed++;
                    break;
                default:
                    // Flagged frames and their review outcomes were segmented too.
                    segmented++;
                    if (f.State != FrameStates.Segmented) flagged++;
                    break;
            }
            if (f.CompletedAt is null) continue;
            var completed = Database.ParseTimestamp(f.CompletedAt);
            if (now - completed <= rateWindow) recent++;
            if (f.State != FrameStates.Failed) latencies.Add((completed - Database.ParseTimestamp(f.AcquiredAt)).TotalSeconds);
        }
        double window = Math.Clamp((now - since).TotalSeconds, 1, rateWindow.TotalSeconds);
        latencies.Sort();
        return new PipelineSnapshot(acquired, segmented, flagged, failed, waiting, recent / window,
            latencies.Count == 0 ? null : latencies.Average(),
            latencies.Count == 0 ? null : Percentile(latencies, 0.95));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        int rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
