using AcqSeg.Persistence;
using AcqSeg.Service;
using Microsoft.AspNetCore.Builder;
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

    public Uri BaseAddress => new($"http://{Settings.Http}/");

    public static async Task<ServiceUnderTest> StartAsync(RunSettings settings, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var app = AcqSegHost.Build(settings, overrides);
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
