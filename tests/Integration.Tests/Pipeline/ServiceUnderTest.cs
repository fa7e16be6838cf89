using AcqSeg.AllRolesHost;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Apis;
using AcqSeg.SegmentWorker.Extensions;
using AcqSeg.ServiceDefaults;
using AcqSeg.Watcher.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// Every role of `acqseg run` in this process (the host `acqseg run` builds), on the test's broker and database,
/// with configuration overrides a command line does not offer (quality rules, training epochs). Started on
/// creation, stopped on dispose.
/// </summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private readonly WebApplication app;

    private ServiceUnderTest(WebApplication app, RunSettings settings)
    {
        this.app = app;
        Settings = settings;
        Frames = app.Services.GetRequiredService<FrameStore>();
    }

    public RunSettings Settings { get; }

    public FrameStore Frames { get; }

    public IServiceProvider Services => app.Services;

    public Uri BaseAddress => new($"http://{Settings.Http}/");

    /// <summary>The host is stopping (or stopped) without the test asking: a hosted service failed.</summary>
    public bool Stopping => app.Lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>The pipeline on the real broker and database: one watched folder, one model lineage, a free HTTP port,
    /// and a short stability wait so test frames count quickly.</summary>
    public static RunSettings RealServerSettings(string watch, string output, string lineage, string model, string bus, string database) => new()
    {
        WatchFolders = [watch],
        OutputFolder = output,
        ModelName = lineage,
        ModelPath = model,
        Bus = bus,
        Database = database,
        Http = $"127.0.0.1:{PrometheusServer.FreePort()}",
        StableFor = TimeSpan.FromSeconds(0.3),
    };

    public static async Task<ServiceUnderTest> StartAsync(RunSettings settings, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var app = AcqSegHost.Build(settings, overrides);
        await app.StartAsync();
        return new ServiceUnderTest(app, settings);
    }

    /// <summary>One role alone, composed as its own Program.cs composes it (what a role process runs), with the
    /// configuration `acqseg run` would give it.</summary>
    public static async Task<ServiceUnderTest> StartRoleAsync(PipelineRole role, RunSettings settings, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(AcqSegHost.Configuration(settings));
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        builder.WebHost.UseUrls($"http://{settings.Http}");
        switch (role)
        {
            case PipelineRole.Watcher:
                builder.AddServiceDefaults(bus => bus.AddWatcherConsumers());
                builder.AddWatcherServices();
                break;
            case PipelineRole.ReviewHost:
                builder.AddServiceDefaults(bus => bus.AddReviewConsumers());
                builder.AddReviewServices();
                break;
            default:
                builder.AddServiceDefaults(bus => bus.AddSegmentWorkerConsumers());
                builder.AddSegmentWorkerServices();
                break;
        }
        var app = builder.Build();
        app.MapDefaultEndpoints();
        if (role == PipelineRole.ReviewHost) app.MapReviewApi();
        await app.StartAsync();
        return new ServiceUnderTest(app, settings);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.StopAsync(stop.Token);
        await app.DisposeAsync();
    }
}

public enum PipelineRole
{
    Watcher,
    SegmentWorker,
    /// <summary>The standalone review host (src/ReviewHost/Program.cs).</summary>
    ReviewHost,
}
