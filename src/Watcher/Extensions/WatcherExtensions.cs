using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AcqSeg.Watcher.Extensions;

public static class WatcherExtensions
{
    /// <summary>Options (section "Watcher"), the model assignment chain, the folder watcher and the janitor.</summary>
    public static IHostApplicationBuilder AddWatcherServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<WatcherOptions>(WatcherOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        // Style-based choice among the zoo's models, falling back to Watcher:DefaultModel; a host may register its own first.
        services.TryAddSingleton<IModelSuggester, StyleModelSuggester>();
        services.AddSingleton<ModelAssignmentResolver>();
        services.AddSingleton<FrameRegistrar>();
        services.AddSingleton<AcquisitionWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<AcquisitionWatcher>());
        // Frames stuck in Acquired (a lost message, a requeue) are published again.
        services.AddSingleton<FrameJanitor>();
        services.AddHostedService(sp => sp.GetRequiredService<FrameJanitor>());
        return builder;
    }

    public static IBusRegistrationConfigurator AddWatcherConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<AssignModelConsumer>();
        return bus;
    }
}
