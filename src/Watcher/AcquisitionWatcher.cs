using System.Collections.Concurrent;
using System.IO.Enumeration;
using AcqSeg.Imaging.Io;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.Watcher;

/// <summary>
/// Finds complete TIFFs under the acquisition roots. OS notifications (create, change, rename: a writer's
/// temp-then-rename shows up as a rename to a matching name) and periodic full rescans feed candidates; a
/// candidate counts once it is stable and is a whole TIFF (strips and tiles inside the file), and is registered once
/// per path + size + mtime.
/// </summary>
public sealed partial class AcquisitionWatcher(
    IOptions<WatcherOptions> options, FrameRegistrar registrar, ILogger<AcquisitionWatcher> logger, TimeProvider clock) : BackgroundService
{
    private readonly ConcurrentQueue<string> notified = new();
    private readonly Dictionary<string, (long Size, DateTime Modified)> registered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> invalidSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> retryAt = new(StringComparer.Ordinal);
    // Set while the broker returns FrameAcquired (no segment queue bound yet): a property of the broker, not of a frame,
    // so one frame probes per retry period and the others wait unhashed.
    private DateTimeOffset? unroutedSince;
    private DateTimeOffset unroutedRetryAt;
    private FileStabilityTracker tracker = new(TimeSpan.Zero);
    private volatile int pendingCount;
    private volatile bool scannedOnce;

    /// <summary>Files seen but not yet registered (for idle detection); -1 before the first scan finished.</summary>
    public int Pending => scannedOnce ? pendingCount + notified.Count : -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        tracker = new FileStabilityTracker(TimeSpan.FromMilliseconds(o.StableMilliseconds));
        var roots = o.Roots.Select(r => Path.GetFullPath(r)).ToList();
        var watchers = roots.Select(CreateWatcher).ToList();
        try
        {
            var nextScan = DateTimeOffset.MinValue;
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = clock.GetUtcNow();
                if (now >= nextScan)
                {
                    foreach (string root in roots) Scan(root);
                    nextScan = now.AddSeconds(o.RescanSeconds);
                }
                while (notified.TryDequeue(out string? path)) Consider(path);
                await CheckPendingAsync(roots, stoppingToken);
                pendingCount = tracker.Count;
                scannedOnce = true;
                await Task.Delay(o.PollMilliseconds, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var w in watchers) w.Dispose();
        }
    }

    private FileSystemWatcher CreateWatcher(string root)
    {
        var w = new FileSystemWatcher(root) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.LastWrite };
        w.Created += (_, e) => notified.Enqueue(e.FullPath);
        w.Changed += (_, e) => notified.Enqueue(e.FullPath);
        w.Renamed += (_, e) => notified.Enqueue(e.FullPath);
        // A lost notification buffer is not fatal: the next rescan finds the files.
        w.Error += (_, e) => LogWatchError(root, e.GetException().Message);
        w.EnableRaisingEvents = true;
        return w;
    }

    private void Scan(string root)
    {
        try
        {
            foreach (string path in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
                Consider(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWatchError(root, ex.Message);
        }
    }

    private void Consider(string path)
    {
        if (!IsFrameName(path) || tracker.Contains(path)) return;
        if (registered.TryGetValue(path, out var known))
        {
            var info = new FileInfo(path);
            if (!info.Exists || (info.Length == known.Size && info.LastWriteTimeUtc == known.Modified)) return;
        }
        // Seed the tracker; stability is judged on the next polls.
        var fi = new FileInfo(path);
        if (fi.Exists) tracker.Observe(path, fi.Length, fi.LastWriteTimeUtc, clock.GetUtcNow());
    }

    private bool IsFrameName(string path)
    {
        string name = Path.GetFileName(path);
        if (name.StartsWith('.')) return false;
        foreach (string excluded in options.Value.ExcludeFolders)
        {
            string full = Path.GetFullPath(excluded).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
            if (path.StartsWith(full, StringComparison.Ordinal)) return false;
        }
        foreach (string glob in options.Value.Globs)
        {
            if (FileSystemName.MatchesSimpleExpression(glob, name, ignoreCase: true)) return true;
        }
        return false;
    }

    private async Task CheckPendingAsync(IReadOnlyList<string> roots, CancellationToken cancel)
    {
        var o = options.Value;
        foreach (string path in tracker.Paths.ToList())
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                // Renamed away or deleted before it was complete.
                tracker.Forget(path);
                invalidSince.Remove(path);
                retryAt.Remove(path);
                continue;
            }
            var now = clock.GetUtcNow();
            if (!tracker.Observe(path, info.Length, info.LastWriteTimeUtc, now)) continue;
            if (unroutedSince is not null && now < unroutedRetryAt) continue;
            if (retryAt.TryGetValue(path, out var retry) && now < retry) continue;
            if (!OpensAsTiff(path, out string? problem))
            {
                if (!invalidSince.TryGetValue(path, out var since)) invalidSince[path] = since = now;
                if (now - since < TimeSpan.FromMilliseconds(o.InvalidTiffGraceMilliseconds)) continue;
                LogInvalidButStable(path, problem!);
            }
            string acquisition = AcquisitionOf(roots, path);
            try
            {
                await registrar.RegisterAsync(acquisition, path, cancel);
                registered[path] = (info.Length, info.LastWriteTimeUtc);
                tracker.Forget(path);
                invalidSince.Remove(path);
                retryAt.Remove(path);
                if (unroutedSince is { } since)
                {
                    LogRouted(path, (now - since).TotalSeconds);
                    unroutedSince = null;
                }
            }
            catch (MessageNotRoutedException ex)
            {
                // Stored Acquired but nobody got it: no segment worker has bound its queue on this broker yet.
                if (unroutedSince is null) LogUnrouted(path, ex.Message, o.UnroutedRetryMilliseconds / 1000.0);
                unroutedSince ??= now;
                // From the return, not from when this file was picked up: hashing, storing and the broker's return can
                // take longer than the retry period under load, and the next file would then be stored too (a flaky
                // CI failure: two frames stored while no worker was bound).
                unroutedRetryAt = clock.GetUtcNow().AddMilliseconds(o.UnroutedRetryMilliseconds);
                // Only one probe a pass: the others wait untouched until a worker binds.
                break;
            }
            catch (IOException ex)
            {
                // Still locked or vanished mid-hash: try again on the next poll.
                LogRetry(path, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                // The database or the broker is away (a restart, a network cut). The file stays pending and is tried again
                // a second later; letting this end the loop stopped the whole watcher, so that no later frame counted
                // (issue 20: found by `acqseg soak` restarting PostgreSQL).
                retryAt[path] = now + StoreRetryDelay;
                LogStoreUnavailable(path, ex.GetType().Name, ex.Message, StoreRetryDelay.TotalSeconds);
            }
        }
    }

    private static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(1);

    private static bool OpensAsTiff(string path, out string? problem)
    {
        try
        {
            // The strips too, not only the header: a writer that puts the directory first leaves a readable header while
            // the pixels are still being written (issue 20: such a file ended as two frames).
            TiffReader.CheckComplete(path);
            problem = null;
            return true;
        }
        catch (TiffReadException ex)
        {
            problem = ex.Reason;
            return false;
        }
    }

    /// <summary>The root folder's name plus the file's sub-folder path below it, with '/' separators.</summary>
    public static string AcquisitionOf(IReadOnlyList<string> roots, string path)
    {
        string? root = roots.Where(r => path.StartsWith(r.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .OrderByDescending(r => r.Length).FirstOrDefault();
        if (root is null) return Path.GetFileName(Path.GetDirectoryName(path)) ?? "unknown";
        string rootName = Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar));
        string relativeDir = Path.GetDirectoryName(Path.GetRelativePath(root, path)) ?? "";
        return relativeDir.Length == 0 ? rootName : $"{rootName}/{relativeDir.Replace(Path.DirectorySeparatorChar, '/')}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching {Root}: {Problem} (the next rescan catches up)")]
    private partial void LogWatchError(string root, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} is stable but does not open as a TIFF ({Problem}); publishing it so it fails with that reason")]
    private partial void LogInvalidButStable(string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} is stored Acquired but was not delivered: {Problem}. Start a segment worker on this broker and virtual host; until one binds its queue, one waiting frame is published every {RetrySeconds} s and the others wait")]
    private partial void LogUnrouted(string path, string problem, double retrySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Path} delivered: a segment worker bound its queue after {Seconds:F0} s; waiting frames follow")]
    private partial void LogRouted(string path, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} could not be registered ({ExceptionType}: {Problem}); trying again in {RetrySeconds} s")]
    private partial void LogStoreUnavailable(string path, string exceptionType, string problem, double retrySeconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Path} not readable yet ({Problem}); retrying")]
    private partial void LogRetry(string path, string problem);
}
