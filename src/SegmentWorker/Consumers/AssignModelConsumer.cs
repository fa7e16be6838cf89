using AcqSeg.Contracts;
using AcqSeg.Models;
using AcqSeg.Models.Assignment;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace AcqSeg.SegmentWorker.Consumers;

/// <summary>An operator's model choice for an acquisition (the AssignModel command): stored, then announced.</summary>
public sealed partial class AssignModelConsumer(ModelAssignments assignments, ILogger<AssignModelConsumer> logger) : IConsumer<AssignModel>
{
    public async Task Consume(ConsumeContext<AssignModel> context)
    {
        var m = context.Message;
        ModelAssigned assigned;
        try
        {
            assigned = await assignments.AssignAsync(m.Acquisition, m.Model, context.CancellationToken);
        }
        catch (ModelNotFoundException ex)
        {
            // Permanent: retrying will not make the model appear. Logged and dropped without an assignment.
            LogUnknownModel(m.Acquisition, m.Model, ex.Message);
            return;
        }
        await context.Publish(assigned);
        LogAssigned(m.Acquisition, m.Model);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Acquisition {Acquisition} now uses model {Model}")]
    private partial void LogAssigned(string acquisition, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring assignment of acquisition {Acquisition} to unknown model {Model}: {Problem}")]
    private partial void LogUnknownModel(string acquisition, string model, string problem);
}
