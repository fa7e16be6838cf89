using AcqSeg.SegmentWorker.Consumers;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AcqSeg.SegmentWorker.Extensions;

public static class SegmentWorkerExtensions
{
    /// <summary>Options (sections "SegmentWorker", "QualityGate"), the model cache and the quality gate.</summary>
    public static IHostApplicationBuilder AddSegmentWorkerServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<SegmentWorkerOptions>(SegmentWorkerOptions.SectionName);
        services.AddValidatedOptions<QualityGateOptions>(QualityGateOptions.SectionName);
        services.AddSingleton<ModelCache>();
        services.AddSingleton<QualityGate>();
        services.TryAddSingleton<ITrainingStyles, ZooTrainingStyles>();
        return builder;
    }

    public static IBusRegistrationConfigurator AddSegmentWorkerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<SegmentFrameConsumer, SegmentFrameConsumerDefinition>();
        bus.AddConsumer<ModelPublishedConsumer, ModelPublishedConsumerDefinition>();
        return bus;
    }
}
