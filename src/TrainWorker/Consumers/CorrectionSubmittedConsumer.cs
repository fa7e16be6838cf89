using System.Data.Common;
using AcqSeg.Contracts;
using AcqSeg.Persistence;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace AcqSeg.TrainWorker.Consumers;

/// <summary>
/// Records a correction (the review API normally stored it already; storing is idempotent) and signals the training
/// service. Training never runs here: the message is acknowledged in milliseconds and the long run happens in
/// <see cref="TrainingService"/>.
/// </summary>
public sealed partial class CorrectionSubmittedConsumer(CorrectionStore corrections, FrameStore frames, TrainingSignals signals,
    ILogger<CorrectionSubmittedConsumer> logger) : IConsumer<CorrectionSubmitted>
{
    public async Task Consume(ConsumeContext<CorrectionSubmitted> context)
    {
        var m = context.Message;
        var cancel = context.CancellationToken;
        if (!LineageName.IsSafe(m.Model))
        {
            LogIgnored(m.CorrectionId, $"model name '{m.Model}' is not a plain lineage name");
            return;
        }
        if (await frames.GetAsync(m.FrameId, cancel) is null)
        {
            LogIgnored(m.CorrectionId, $"frame {m.FrameId} is not in the database");
            return;
        }
        bool added = await corrections.TryAddAsync(new CorrectionRow
        {
            Id = m.CorrectionId.ToString(),
            FrameId = m.FrameId.ToString(),
            Model = m.Model,
            ModelVersion = m.ModelVersion,
            MasksPath = m.MasksPath,
            Sha256 = m.Sha256,
            SubmittedAt = Database.Timestamp(m.SubmittedAt),
        }, cancel);
        signals.Signal(m.Model);
        LogRecorded(m.CorrectionId, m.FrameId, m.Model, added ? "stored" : "already stored");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Correction {CorrectionId} of frame {FrameId} for {Model} ({Storage}); training signalled")]
    private partial void LogRecorded(Guid correctionId, Guid frameId, string model, string storage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Correction {CorrectionId} ignored: {Reason}")]
    private partial void LogIgnored(Guid correctionId, string reason);
}

/// <summary>One shared queue for all train workers; database faults are retried (the consumer is idempotent).</summary>
public sealed class CorrectionSubmittedConsumerDefinition : ConsumerDefinition<CorrectionSubmittedConsumer>
{
    public CorrectionSubmittedConsumerDefinition()
    {
        EndpointName = "train-on-correction";
        ConcurrentMessageLimit = 4;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CorrectionSubmittedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
            r.Handle<DbException>();
            r.Handle<TimeoutException>();
        });
    }
}
