namespace AcqSeg.Watcher;

/// <summary>
/// Decides when a file being written is complete: its size and modification time must stay the same for the
/// stable interval. Pure bookkeeping over observations, so it is tested without touching a file system.
/// </summary>
public sealed class FileStabilityTracker(TimeSpan stableFor)
{
    private sealed record Observation(long Size, DateTime Modified, DateTimeOffset Since);

    private readonly Dictionary<string, Observation> pending = new(StringComparer.Ordinal);

    public int Count => pending.Count;

    public IReadOnlyCollection<string> Paths => pending.Keys;

    /// <summary>Records what the file looks like now; returns true when it has looked like this for long enough.</summary>
    public bool Observe(string path, long size, DateTime modified, DateTimeOffset now)
    {
        if (pending.TryGetValue(path, out var seen) && seen.Size == size && seen.Modified == modified)
            return now - seen.Since >= stableFor;
        pending[path] = new Observation(size, modified, now);
        return stableFor <= TimeSpan.Zero;
    }

    public void Forget(string path) => pending.Remove(path);

    public bool Contains(string path) => pending.ContainsKey(path);
}
