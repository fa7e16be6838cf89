using AcqSeg.Contracts;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.Watcher;

/// <summary>
/// Publishes FrameAcquired again for frames stuck in Acquired, as DeepCell Kiosk's janitor does: a frame whose message
/// was lost (a process died between storing the row and publishing, or a broker lost it) once its lease runs out, and
/// a frame that `acqseg requeue` put back. Consumers check the row's state first, so a copy of a message that was not
/// lost after all changes nothing: each frame still ends in exactly one terminal state.
/// </summary>
public sealed partial class FrameJanitor(
    FrameStore frames, IBus bus, IOptions<WatcherOptions> options, TimeProvider clock, ILogger<FrameJanitor> logger) : BackgroundService
{
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(o.JanitorIntervalSeconds), clock);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A database or broker outage: the next sweep tries again.
                    LogSweepFailed(ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: publishes every due frame (in batches); returns how many went out.</summary>
    public async Task<int> SweepAsync(CancellationToken cancel)
    {
        var o = options.Value;
        int published = 0;
        while (true)
        {
            var now = clock.GetUtcNow();
            var due = await frames.DueForPublishAsync(now, TimeSpan.FromSeconds(o.RepublishLeaseSeconds), TimeSpan.FromSeconds(o.UnpublishedGraceSeconds),
                BatchSize, cancel);
            foreach (var f in due)
            {
                var acquiredAt = Database.ParseTimestamp(f.AcquiredAt);
                try
                {
                    await bus.PublishRoutedAsync(new FrameAcquired(f.FrameId, f.Acquisition, f.Path, f.Sha256, f.SizeBytes, f.Model, acquiredAt), cancel);
                }
                catch (MessageNotRoutedException)
                {
                    // No segment worker has bound its queue yet; the frames stay due for the next sweep.
                    LogUnrouted(due.Count);
                    return published;
                }
                await frames.MarkPublishedAsync(f.FrameId, clock.GetUtcNow(), cancel);
                AcqSegMetrics.FramesRepublished.Inc();
                LogRepublished(f.FrameId, f.Path, f.PublishedAt is null ? "never published or requeued" : $"lease ran out ({f.PublishCount} publish(es), last {f.PublishedAt})");
                published++;
            }
            if (due.Count < BatchSize) return published;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame {FrameId} published again: {Path} ({Why})")]
    private partial void LogRepublished(Guid frameId, string path, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Janitor sweep failed ({Problem}); trying again on the next sweep")]
    private partial void LogSweepFailed(string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Janitor: {Count} due frame(s) wait for a segment worker to bind its queue")]
    private partial void LogUnrouted(int count);
}
