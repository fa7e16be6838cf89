using AcqSeg.Models.Assignment;
using AcqSeg.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Models;

public static class ModelsExtensions
{
    /// <summary>The model registry (section "Models"), model choice (section "ModelChoice"), both validated at start, and
    /// the database they keep lineages and assignments in.</summary>
    public static IServiceCollection AddModelRegistry(this IServiceCollection services)
    {
        services.AddAcqSegPersistence();
        if (services.Any(d => d.ServiceType == typeof(ModelRegistry))) return services;
        services.AddOptions<ModelsOptions>().BindConfiguration(ModelsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ModelChoiceOptions>().BindConfiguration(ModelChoiceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<ModelAssignments>();
        services.AddSingleton<ModelLicences>();
        return services;
    }
}
