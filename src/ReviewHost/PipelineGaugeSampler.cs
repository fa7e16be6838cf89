using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;

namespace AcqSeg.ReviewHost;

/// <summary>Refreshes the queue gauges from the database (frames waiting to be segmented, frames waiting for review).</summary>
public sealed partial class PipelineGaugeSampler(FrameStore frames, ILogger<PipelineGaugeSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var counts = await frames.CountByStateAsync(stoppingToken);
                AcqSegMetrics.QueueDepth.WithLabels("segment").Set(counts.GetValueOrDefault(FrameStates.Acquired));
                AcqSegMetrics.ReviewQueueSize.Set(counts.GetValueOrDefault(FrameStates.Flagged));
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
            {
                LogSampleFailed(ex.Message);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue gauges not refreshed: {Problem}")]
    private partial void LogSampleFailed(string problem);
}
