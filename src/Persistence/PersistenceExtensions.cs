using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.Persistence;

public static class PersistenceExtensions
{
    /// <summary>Database options (section "Database", validated at start), the stores, and migrations at start.</summary>
    public static IServiceCollection AddAcqSegPersistence(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new Database(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<FrameStore>();
        services.AddSingleton<ModelStore>();
        services.AddSingleton<CorrectionStore>();
        services.AddSingleton<CuratorStore>();
        services.AddSingleton<FrameClaimStore>();
        services.AddSingleton<LiveModelStore>();
        services.AddSingleton<ReviewQueries>();
        services.AddHostedService<MigrateOnStart>();
        return services;
    }

    /// <summary>Runs before the other hosted services (registered first), so they find the schema in place.</summary>
    private sealed class MigrateOnStart(SchemaMigrator migrator, IOptions<DatabaseOptions> options, ILogger<MigrateOnStart> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.MigrateOnStart) return;
            var applied = await migrator.MigrateAsync(cancellationToken);
            if (applied.Count == 0) logger.LogDebug("Schema up to date");
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
