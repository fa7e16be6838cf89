using System.Globalization;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.ReviewHost.Curators;

/// <summary>
/// Lockout after repeated failed sign-ins (Review:LoginLockoutFailures within Review:LoginFailureWindowSeconds lock the
/// name for Review:LoginLockoutSeconds). Curators' counts live in their row, so every review host sees them and a
/// restart does not reset them. Names that do not exist are counted here in memory, so the answer (401, then 429) is
/// the same for them and does not reveal which names exist.
/// </summary>
public sealed partial class LoginThrottle(CuratorStore curators, IOptions<ReviewOptions> options, ILogger<LoginThrottle> logger)
{
    // Bounds the memory a flood of made-up names can take.
    private const int MaxUnknownNames = 10_000;
    private readonly Dictionary<string, Failures> unknown = new(StringComparer.Ordinal);

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset FirstAt;
        public DateTimeOffset? LockoutEnd;
    }

    /// <summary>How long the name must wait before trying again, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string name, CuratorRow? curator, DateTimeOffset now)
    {
        DateTimeOffset? end;
        if (curator is not null) end = curator.LockoutEnd is null ? null : DateTimeOffset.Parse(curator.LockoutEnd, CultureInfo.InvariantCulture);
        else
            lock (unknown) end = unknown.TryGetValue(name, out var f) ? f.LockoutEnd : null;
        return end > now ? end.Value - now : null;
    }

    /// <summary>Counts a failed sign-in; returns the lockout's length when this failure locked the name out.</summary>
    public async Task<TimeSpan?> FailedAsync(string name, CuratorRow? curator, DateTimeOffset now, CancellationToken cancel)
    {
        var o = options.Value;
        var window = TimeSpan.FromSeconds(o.LoginFailureWindowSeconds);
        var lockout = TimeSpan.FromSeconds(o.LoginLockoutSeconds);
        int count = curator is not null ? await curators.RecordFailedLoginAsync(name, now, now - window, cancel) : CountUnknown(name, now, window);
        if (count < o.LoginLockoutFailures) return null;
        if (curator is not null) await curators.LockOutAsync(name, now + lockout, cancel);
        else
            lock (unknown) unknown[name] = new Failures { FirstAt = now, LockoutEnd = now + lockout };
        LogLockedOut(logger, name, count, o.LoginFailureWindowSeconds, o.LoginLockoutSeconds);
        return lockout;
    }

    /// <summary>A successful sign-in forgets earlier failures.</summary>
    public Task SucceededAsync(CuratorRow curator, CancellationToken cancel) =>
        curator.FailedLogins > 0 || curator.LockoutEnd is not null ? curators.ResetFailedLoginsAsync(curator.Name, cancel) : Task.CompletedTask;

    private int CountUnknown(string name, DateTimeOffset now, TimeSpan window)
    {
        lock (unknown)
        {
            if (unknown.Count >= MaxUnknownNames)
            {
                foreach (var stale in unknown.Where(kv => kv.Value.FirstAt < now - window && !(kv.Value.LockoutEnd > now)).Select(kv => kv.Key).ToList())
                    unknown.Remove(stale);
                if (unknown.Count >= MaxUnknownNames) unknown.Clear();
            }
            if (!unknown.TryGetValue(name, out var f) || f.FirstAt < now - window)
                unknown[name] = f = new Failures { FirstAt = now };
            return ++f.Count;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Sign-in for {Curator} locked out after {Failures} failures within {WindowSeconds} s; refused for {LockoutSeconds} s")]
    private static partial void LogLockedOut(ILogger logger, string curator, int failures, int windowSeconds, int lockoutSeconds);
}
