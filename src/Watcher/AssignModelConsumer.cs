using AcqSeg.Contracts;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace AcqSeg.Watcher;

/// <summary>Stores an operator's model choice for an acquisition and announces it.</summary>
public sealed partial class AssignModelConsumer(ModelStore store, ModelCatalog catalog, ILogger<AssignModelConsumer> logger) : IConsumer<AssignModel>
{
    public async Task Consume(ConsumeContext<AssignModel> context)
    {
        var m = context.Message;
        if (!catalog.IsKnown(m.Model))
        {
            // Permanent: retrying will not make the model appear. Logged and dropped without an assignment.
            LogUnknownModel(m.Acquisition, m.Model);
            return;
        }
        await store.AssignAsync(m.Acquisition, m.Model, ModelAssignmentResolver.Operator, context.CancellationToken);
        await context.Publish(new ModelAssigned(m.Acquisition, m.Model, ModelAssignmentResolver.Operator, DateTimeOffset.UtcNow));
        LogAssigned(m.Acquisition, m.Model);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Acquisition {Acquisition} now uses model {Model}")]
    private partial void LogAssigned(string acquisition, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring assignment of acquisition {Acquisition} to unknown model {Model}")]
    private partial void LogUnknownModel(string acquisition, string model);
}
