using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.Persistence;

public static class PersistenceExtensions
{
    /// <summary>Database options (section "Database", validated at start), the stores, migrations at start and the
    /// "database" readiness check. Several roles in one host call it once each: only the first registers.</summary>
    public static IServiceCollection AddAcqSegPersistence(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Database))) return services;
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new Database(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<FrameStore>();
        services.AddSingleton<ModelStore>();
        services.AddSingleton<CorrectionStore>();
        services.AddSingleton<CuratorStore>();
        services.AddSingleton<FrameClaimStore>();
        services.AddSingleton<LiveModelStore>();
        services.AddSingleton<ResegmentationStore>();
        services.AddSingleton<ReviewQueries>();
        // First of all hosted services, wherever a role adds persistence: the bus must not consume (and a second process
        // must not migrate the same database) before this process's schema is in place.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, MigrateOnStart>());
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    private sealed class DatabaseHealthCheck(Database database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var connection = await database.OpenAsync(cancellationToken);
                return HealthCheckResult.Healthy($"{database.Dialect} reachable");
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or IOException)
            {
                return HealthCheckResult.Unhealthy($"{database.Dialect} unreachable: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Runs before the other hosted services (registered at the front), so they find the schema in place.</summary>
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
