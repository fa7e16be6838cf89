using System.Globalization;
using AcqSeg.ReviewHost.Apis;
using AcqSeg.SegmentWorker.Extensions;
using AcqSeg.ServiceDefaults;
using AcqSeg.TrainWorker.Extensions;
using AcqSeg.Watcher.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AcqSeg.AllRolesHost;

/// <summary>Composes every role into one web host, or one role (`acqseg run --role`) as its own role process composes
/// it; role processes use the same extension methods one by one.</summary>
public static class AcqSegHost
{
    /// <param name="services">Registrations added after the roles' (a benchmark's training observer).</param>
    public static WebApplication Build(RunSettings run, IEnumerable<KeyValuePair<string, string?>>? overrides = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(Configuration(run));
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        builder.WebHost.UseUrls($"http://{run.Http}");

        switch (run.Role)
        {
            case ServiceRole.Watcher:
                builder.AddServiceDefaults(bus => bus.AddWatcherConsumers());
                builder.AddWatcherServices();
                break;
            case ServiceRole.SegmentWorker:
                builder.AddServiceDefaults(bus => bus.AddSegmentWorkerConsumers());
                builder.AddSegmentWorkerServices();
                break;
            default:
                builder.AddServiceDefaults(bus =>
                {
                    bus.AddWatcherConsumers();
                    bus.AddSegmentWorkerConsumers();
                    bus.AddTrainWorkerConsumers();
                    bus.AddReviewConsumers();
                });
                builder.AddWatcherServices();
                builder.AddSegmentWorkerServices();
                builder.AddReviewServices();
                builder.AddTrainWorkerServices();
                // Idle means no file pending, no frame waiting and no training: only the whole service can tell.
                if (run.ExitWhenIdle is { } idle)
                    builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<IdleExit>(sp, idle));
                break;
        }
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        if (run.Role == ServiceRole.All) app.MapReviewApi();
        return app;
    }

    public static Dictionary<string, string?> Configuration(RunSettings run)
    {
        string output = Path.GetFullPath(run.OutputFolder);
        var bus = BusOptions.Parse(run.Bus);
        var c = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = run.DatabaseConnection,
            ["Bus:Transport"] = bus.Transport,
            ["Bus:RabbitMq:Host"] = bus.RabbitMq.Host,
            ["Bus:RabbitMq:Port"] = bus.RabbitMq.Port.ToString(CultureInfo.InvariantCulture),
            ["Bus:RabbitMq:VirtualHost"] = bus.RabbitMq.VirtualHost,
            ["Bus:RabbitMq:Username"] = bus.RabbitMq.Username,
            ["Bus:RabbitMq:Password"] = bus.RabbitMq.Password,
            [$"Models:Paths:{run.ModelName}"] = run.ModelPath,
            ["Models:VersionsRoot"] = Path.Combine(output, "models"),
            // Not the roles' appsettings default ("models", relative to the working folder): run from elsewhere, the
            // service lost its zoo and numbered nuclei's lineage from 1 instead of its zoo version.
            ["Models:ZooRoot"] = run.ZooRoot is null ? "" : Path.GetFullPath(run.ZooRoot),
            ["ModelChoice:DefaultModel"] = run.ModelName,
            ["Watcher:StableMilliseconds"] = ((int)run.StableFor.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["Watcher:ExcludeFolders:0"] = output,
            ["SegmentWorker:OutputRoot"] = output,
            ["SegmentWorker:Device"] = run.Device,
            ["SegmentWorker:Exact"] = run.Exact ? "true" : "false",
            ["SegmentWorker:Precision"] = run.Precision,
            ["SegmentWorker:FastTiles"] = run.FastTiles,
            ["Review:CorrectionsRoot"] = Path.Combine(output, "corrections"),
            ["TrainWorker:WorkRoot"] = Path.Combine(output, "training"),
            ["TrainWorker:Device"] = run.Device,
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft"] = "Warning",
            ["Logging:LogLevel:MassTransit"] = "Warning",
        };
        // Only when asked: a false here would override SegmentWorker__SaveFlows from the environment.
        if (run.SaveFlows) c["SegmentWorker:SaveFlows"] = "true";
        for (int i = 0; i < run.WatchFolders.Count; i++) c[$"Watcher:Roots:{i}"] = Path.GetFullPath(run.WatchFolders[i]);
        if (run.ModelForEveryAcquisition)
        {
            // After an operator's `acqseg assign`, before the style-based choice.
            c["ModelChoice:Rules:0:Pattern"] = "*";
            c["ModelChoice:Rules:0:Model"] = run.ModelName;
        }
        return c;
    }
}
