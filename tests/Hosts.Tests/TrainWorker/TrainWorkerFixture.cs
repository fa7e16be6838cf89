using AcqSeg.Contracts;
using AcqSeg.Engine.Network;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using AcqSeg.TrainWorker;
using AcqSeg.TrainWorker.Extensions;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AcqSeg.Hosts.Tests.TrainWorker;

/// <summary>
/// A lineage "m" whose base model is a tiny untrained network, small synthetic frames with corrected masks, and the
/// train worker in MassTransit's in-memory harness (a fresh provider per call; the database and folders persist
/// across providers so a test can restart the worker).
/// </summary>
public sealed class TrainWorkerFixture : IDisposable
{
    public const string Model = "m";

    public TrainWorkerFixture()
    {
        BasePath = System.IO.Path.Combine(Db.Folder, "base.pth");
        using var net = CellposeNet.Seeded(7, [2, 8, 16, 32, 64], 16);
        CellposeWeights.Save(net, BasePath);
    }

    public TestDatabase Db { get; } = new();
    public string BasePath { get; }
    public string WorkRoot => System.IO.Path.Combine(Db.Folder, "training");
    public string VersionsRoot => System.IO.Path.Combine(Db.Folder, "models");

    public ServiceProvider Provider(Dictionary<string, string?> settings, ITrainingObserver? observer = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = Db.Path,
            [$"Models:Paths:{Model}"] = BasePath,
            ["Models:VersionsRoot"] = VersionsRoot,
            ["TrainWorker:WorkRoot"] = WorkRoot,
            ["TrainWorker:Device"] = "cpu",
            ["TrainWorker:Epochs"] = "2",
            ["TrainWorker:CropSize"] = "64",
        };
        foreach (var (k, v) in settings) values[k] = v;
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddModelRegistry();
        services.AddMassTransitTestHarness(x => x.AddTrainWorkerConsumers());
        services.AddTrainWorkerServices();
        if (observer is not null) services.AddSingleton(observer);
        return services.BuildServiceProvider(true);
    }

    /// <summary>Starts the harness (bus and hosted services: migrations, the training service).</summary>
    public static async Task<ITestHarness> StartAsync(ServiceProvider provider)
    {
        var harness = provider.GetRequiredService<ITestHarness>();
        harness.TestTimeout = TimeSpan.FromMinutes(3);
        // MassTransit keeps the log context in an async local; a restarted worker in the same test must not inherit the
        // disposed provider's logger factory.
        LogContext.ConfigureCurrentLogContext(provider.GetRequiredService<ILoggerFactory>());
        await harness.Start();
        return harness;
    }

    /// <summary>Stops the training service the way a host shutdown does (cancels and waits for it).</summary>
    public static async Task StopTrainingAsync(ServiceProvider provider) =>
        await provider.GetServices<IHostedService>().OfType<TrainingService>().Single().StopAsync(CancellationToken.None);

    /// <summary>A 64x64 synthetic nuclei frame stored as an Acquired frame of lineage m, with its true masks as the correction.</summary>
    public async Task<CorrectionSubmitted> CorrectedFrameAsync(int seed)
    {
        var frame = SyntheticFrames.Generate(new SynthSettings { Height = 64, Width = 64, Diameter = 14, Density = 0.35, Seed = seed });
        string image = System.IO.Path.Combine(Db.Folder, $"frame{seed}.tif");
        TiffWriter.WriteFloatPages(image, [frame.Image.Channel(0).ToArray()], 64, 64);
        string masks = System.IO.Path.Combine(Db.Folder, $"frame{seed}_corrected.tif");
        TiffWriter.WriteLabels(masks, frame.Masks);
        var row = TestDatabase.NewFrame(path: image, sha: $"sha{seed}");
        row.Model = Model;
        await Db.Frames.TryAddAcquiredAsync(row);
        return new CorrectionSubmitted(Guid.NewGuid(), row.FrameId, "acq", Model, 1, masks, await FileHash.Sha256Async(masks), DateTimeOffset.UtcNow);
    }

    public static int Objects(string masks) => TiffReader.ReadLabels(masks).CountObjects();

    /// <summary>Polls until the predicate holds for the lineage's runs (training happens off the bus, so the harness
    /// cannot see it finish).</summary>
    public async Task<IReadOnlyList<TrainingRunRow>> RunsWhenAsync(Func<IReadOnlyList<TrainingRunRow>, bool> done, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var runs = await Db.Corrections.RunsAsync(Model);
            if (done(runs)) return runs;
            if (DateTime.UtcNow > until) throw new TimeoutException($"training runs did not reach the expected state: {string.Join("; ", runs.Select(r => $"{r.State} {r.Outcome}"))}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the lineage has this many pending (unclaimed) corrections.</summary>
    public async Task PendingWhenAsync(int pending)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (await Db.Corrections.PendingCountAsync(Model) != pending)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"pending corrections never reached {pending}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until <paramref name="count"/> messages of a type were published. Training is not bus activity, so
    /// the harness's own waits (which end after a short inactivity) cannot be used.</summary>
    public static async Task<IReadOnlyList<T>> PublishedAsync<T>(ITestHarness harness, int count, TimeSpan? timeout = null) where T : class
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var messages = harness.Published.Select<T>().Select(m => m.Context.Message).ToList();
            if (messages.Count >= count) return messages;
            if (DateTime.UtcNow > until) throw new TimeoutException($"{messages.Count} {typeof(T).Name} published, expected {count}");
            await Task.Delay(100);
        }
    }

    public void Dispose() => Db.Dispose();
}
