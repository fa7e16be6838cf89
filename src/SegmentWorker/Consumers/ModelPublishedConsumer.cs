using AcqSeg.Contracts;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace AcqSeg.SegmentWorker.Consumers;

/// <summary>Notes a new model version; the model cache loads it for the lineage's next frame.</summary>
public sealed partial class ModelPublishedConsumer(ILogger<ModelPublishedConsumer> logger) : IConsumer<ModelPublished>
{
    public Task Consume(ConsumeContext<ModelPublished> context)
    {
        var m = context.Message;
        AcqSegMetrics.ModelVersionInfo.WithLabels(m.Model).Set(m.Version);
        LogPublished(m.Model, m.Version, m.Path);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {ModelVersion} published ({Path}); next frames use it")]
    private partial void LogPublished(string model, int modelVersion, string path);
}

/// <summary>Every worker process must hear about every new model: a per-instance, temporary queue (fan-out).</summary>
public sealed class ModelPublishedConsumerDefinition : ConsumerDefinition<ModelPublishedConsumer>
{
    public ModelPublishedConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.InstanceId = $"{Environment.MachineName}-{Environment.ProcessId}";
            e.Temporary = true;
        });
    }
}
