using AcqSeg.AllRolesHost;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Hosts.Tests.AllRolesHost;

/// <summary>Every role of `acqseg run` in this process (embedded bus, SQLite) over a temporary watch folder, with the
/// reference synthetic model and a short stability wait; configuration overrides for what a test needs.</summary>
public sealed class EmbeddedService : IAsyncDisposable
{
    private readonly WebApplication app;

    private EmbeddedService(WebApplication app, string watch, string output)
    {
        this.app = app;
        Watch = watch;
        Output = output;
        Frames = app.Services.GetRequiredService<FrameStore>();
    }

    public string Watch { get; }
    public string Output { get; }
    public FrameStore Frames { get; }

    public static async Task<EmbeddedService> StartAsync(TempFolder tmp, Dictionary<string, string?> overrides)
    {
        var settings = new RunSettings
        {
            WatchFolders = [tmp.Sub("watch")],
            OutputFolder = tmp.Sub("out"),
            ModelName = "m",
            ModelPath = SharedData.Reference("cpnet_synth_e40.pth"),
            Http = "127.0.0.1:0",
            StableFor = TimeSpan.FromSeconds(0.3),
        };
        var app = AcqSegHost.Build(settings, overrides);
        await app.StartAsync();
        return new EmbeddedService(app, settings.WatchFolders[0], settings.OutputFolder);
    }

    /// <summary>Polls the frames table until <paramref name="done"/> holds (two minutes at most).</summary>
    public async Task<IReadOnlyList<FrameRow>> FramesWhenAsync(Func<IReadOnlyList<FrameRow>, bool> done)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var rows = await Frames.ListAsync();
            if (done(rows)) return rows;
            if (DateTime.UtcNow > until) throw new TimeoutException($"frames: {string.Join("; ", rows.Select(r => $"{r.State} {r.Reason}"))}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
