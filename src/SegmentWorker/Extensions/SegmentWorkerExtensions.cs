using AcqSeg.Models;
using AcqSeg.SegmentWorker.Consumers;
using AcqSeg.SegmentWorker.ModelChoice;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AcqSeg.SegmentWorker.Extensions;

public static class SegmentWorkerExtensions
{
    /// <summary>Options (sections "SegmentWorker", "QualityGate"), the model cache, the quality gate and the style-based
    /// model choice.</summary>
    public static IHostApplicationBuilder AddSegmentWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSegmentWorkerServices();
        return builder;
    }

    /// <summary>The same on a service collection; a training-style source or model suggester registered before stays.</summary>
    public static IServiceCollection AddSegmentWorkerServices(this IServiceCollection services)
    {
        services.AddModelRegistry();
        services.AddValidatedOptions<SegmentWorkerOptions>(SegmentWorkerOptions.SectionName);
        services.AddValidatedOptions<QualityGateOptions>(QualityGateOptions.SectionName);
        services.AddSingleton<ModelCache>();
        services.AddSingleton<AcquisitionDiameters>();
        services.AddSingleton<QualityGate>();
        services.AddSingleton<FrameSegmentation>();
        services.TryAddSingleton<ITrainingStyles, ZooTrainingStyles>();
        // Style-based choice among the zoo's models for an acquisition's first frame, falling back to
        // ModelChoice:DefaultModel; a host may register its own first.
        services.TryAddSingleton<IModelSuggester, StyleModelSuggester>();
        return services;
    }

    public static IBusRegistrationConfigurator AddSegmentWorkerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<SegmentFramesConsumer, SegmentFramesConsumerDefinition>();
        bus.AddConsumer<ModelPublishedConsumer, ModelPublishedConsumerDefinition>();
        bus.AddConsumer<AssignModelConsumer>();
        bus.AddConsumer<ResegmentFrameConsumer, ResegmentFrameConsumerDefinition>();
        return bus;
    }
}
