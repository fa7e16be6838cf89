using AcqSeg.Models;
using AcqSeg.ServiceDefaults;
using AcqSeg.TrainWorker.Consumers;
using MassTransit;

namespace AcqSeg.TrainWorker.Extensions;

public static class TrainWorkerExtensions
{
    /// <summary>Options (section "TrainWorker"), the signal channel, the run executor and the training service.</summary>
    public static IHostApplicationBuilder AddTrainWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTrainWorkerServices();
        return builder;
    }

    public static IServiceCollection AddTrainWorkerServices(this IServiceCollection services)
    {
        services.AddModelRegistry();
        services.AddValidatedOptions<TrainWorkerOptions>(TrainWorkerOptions.SectionName);
        // The host's stop waits for the run (up to StopSeconds), then for the rest of the host.
        services.AddOptions<HostOptions>().Configure<IConfiguration>((host, configuration) =>
            host.ShutdownTimeout = TrainWorkerOptions.HostShutdownTimeout(configuration));
        services.AddSingleton<TrainingSignals>();
        services.AddSingleton<LineageTrainer>();
        services.AddHostedService<TrainingService>();
        return services;
    }

    public static IBusRegistrationConfigurator AddTrainWorkerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CorrectionSubmittedConsumer, CorrectionSubmittedConsumerDefinition>();
        return bus;
    }
}
