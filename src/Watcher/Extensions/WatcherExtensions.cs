using AcqSeg.Models;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AcqSeg.Watcher.Extensions;

public static class WatcherExtensions
{
    /// <summary>Options (section "Watcher"), the folder watcher and the janitor. It runs no network: frames of an
    /// acquisition without a model are published unassigned and the segment worker chooses.</summary>
    public static IHostApplicationBuilder AddWatcherServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddModelRegistry();
        services.AddValidatedOptions<WatcherOptions>(WatcherOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<FrameRegistrar>();
        services.AddSingleton<AcquisitionWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<AcquisitionWatcher>());
        // Frames stuck in Acquired (a lost message, a requeue) are published again.
        services.AddSingleton<FrameJanitor>();
        services.AddHostedService(sp => sp.GetRequiredService<FrameJanitor>());
        return builder;
    }

    /// <summary>The watcher consumes nothing: it only watches and publishes.</summary>
    public static IBusRegistrationConfigurator AddWatcherConsumers(this IBusRegistrationConfigurator bus) => bus;
}
