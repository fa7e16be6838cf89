using System.Data.Common;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.TrainWorker;

/// <summary>
/// Owns the long training runs of this process, one at a time. On start it resumes runs a previous process left
/// Running (from their checkpoints) and looks for lineages with pending corrections; then it waits for signals.
/// For a signalled lineage it claims the pending corrections when there are at least PendingThreshold of them and no
/// run of the lineage is going (the claim is the database's, so two workers never train one lineage at once);
/// corrections that arrive during a run stay pending and are claimed by the next round, started as soon as the run ends.
/// Assumes one train worker per database: a second one would also resume the Running runs on start.
/// <para>
/// A stop cancels the run: it ends at its next batch, checkpointing the epoch boundary when it is at one, and stays
/// Running so that the next start resumes it. The stop waits <see cref="TrainWorkerOptions.StopSeconds"/> for that; a
/// batch still going then (a large network on a busy CPU can take longer) is left to the process's exit and the last
/// checkpoint written is the one resumed from.
/// </para>
/// </summary>
public sealed partial class TrainingService(
    CorrectionStore corrections, ModelRegistry registry, LineageTrainer trainer, TrainingSignals signals,
    IOptions<TrainWorkerOptions> options, ILogger<TrainingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting (bus, other services) before the first long, synchronous stretch.
        await Task.Yield();
        try
        {
            await ResumeAndSignalAsync(stoppingToken);
            await foreach (string model in signals.ReadAllAsync(stoppingToken))
            {
                await TrainWhilePendingAsync(model, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Resumes runs a previous start left running and signals lineages with pending corrections. A database that is away
    /// at start (a restart) is waited for: an exception here used to end this service and, with it, the whole host.
    /// </summary>
    private async Task ResumeAndSignalAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            IReadOnlyList<TrainingRunRow> running;
            IReadOnlyList<string> pending;
            try
            {
                running = await corrections.RunningAsync(stoppingToken);
                pending = await corrections.ModelsWithPendingAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is DbException or TimeoutException or IOException)
            {
                LogStoreUnavailable(ex.Message, StoreRetryDelay.TotalSeconds);
                await Task.Delay(StoreRetryDelay, stoppingToken);
                continue;
            }
            foreach (var run in running)
            {
                LogResuming(run.Id, run.Model);
                await trainer.RunAsync(run, stoppingToken);
                signals.Signal(run.Model);
            }
            foreach (string model in pending) signals.Signal(model);
            return;
        }
    }

    private static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(2);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(TimeSpan.FromSeconds(options.Value.StopSeconds));
        await base.StopAsync(budget.Token);
        if (ExecuteTask is { IsCompleted: false }) LogStopWaitOver(options.Value.StopSeconds);
    }

    private async Task TrainWhilePendingAsync(string model, CancellationToken cancel)
    {
        var o = options.Value;
        while (!cancel.IsCancellationRequested)
        {
            TrainingRunRow? run;
            try
            {
                int pending = await corrections.PendingCountAsync(model, cancel);
                if (pending < o.PendingThreshold)
                {
                    LogWaiting(model, pending, o.PendingThreshold);
                    return;
                }
                var current = await registry.LiveAsync(model, cancel);
                string id = Guid.NewGuid().ToString();
                var schedule = o.Schedule(o.Epochs);
                run = await corrections.TryStartRunAsync(new TrainingRunRow
                {
                    Id = id,
                    Model = model,
                    BaseVersion = current.Version,
                    CheckpointDir = Path.Combine(LineageTrainer.RunFolder(o.WorkRoot, model, id), "checkpoint"),
                    StartedAt = Database.Timestamp(DateTimeOffset.UtcNow),
                    Schedule = schedule.Name,
                    Epochs = schedule.Epochs,
                    Seed = o.Seed,
                }, cancel);
            }
            catch (Exception ex) when (ex is ModelNotFoundException or DbException or InvalidOperationException)
            {
                LogCannotStart(model, ex.Message);
                return;
            }
            if (run is null)
            {
                // The running run's worker checks for pending corrections when it ends.
                LogBusy(model);
                return;
            }
            await trainer.RunAsync(run, cancel);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming training run {RunId} of {Model} left running by a previous start")]
    private partial void LogResuming(string runId, string model);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Model}: {Pending} correction(s) pending, training starts at {Threshold}")]
    private partial void LogWaiting(string model, int pending, int threshold);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Model}: a training run is going; new corrections wait for the next round")]
    private partial void LogBusy(string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: the training run did not stop within {StopSeconds} s (a batch or a scored frame still going); the run stays Running and the next start resumes it from its last checkpoint")]
    private partial void LogStopWaitOver(int stopSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training runs cannot be looked up ({Problem}); trying again in {Seconds} s")]
    private partial void LogStoreUnavailable(string problem, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Model}: training not started: {Problem}")]
    private partial void LogCannotStart(string model, string problem);
}
