using AcqSeg.Persistence;
using AcqSeg.Watcher;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AcqSeg.AllRolesHost;

/// <summary>Stops the host once no file is pending in the watcher and no frame is waiting to be segmented, for the
/// whole idle interval (`acqseg run --exit-when-idle`). A training run going on counts as pending too.</summary>
public sealed partial class IdleExit(TimeSpan idleFor, AcquisitionWatcher watcher, FrameStore frames, CorrectionStore corrections, IHostApplicationLifetime lifetime,
    TimeProvider clock, ILogger<IdleExit> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? idleSince = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken);
                bool idle = watcher.Pending == 0 && (await frames.CountByStateAsync(stoppingToken)).GetValueOrDefault(FrameStates.Acquired) == 0
                    && (await corrections.RunningAsync(stoppingToken)).Count == 0;
                var now = clock.GetUtcNow();
                if (!idle)
                {
                    idleSince = null;
                    continue;
                }
                idleSince ??= now;
                if (now - idleSince.Value >= idleFor)
                {
                    LogIdle(idleFor.TotalSeconds);
                    lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Nothing pending for {Seconds} s: stopping")]
    private partial void LogIdle(double seconds);
}
