using AcqSeg.Engine.Inference;
using AcqSeg.Models;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker;

/// <summary>
/// Owns the loaded models of this process: one instance per lineage, the newest version the database knows.
/// A model is not thread-safe, so a lease holds its lock while a frame runs. When a newer version is published the
/// next lease loads it and the old one is disposed once its last frame is done.
/// </summary>
public sealed partial class ModelCache(ModelRegistry registry, IOptions<SegmentWorkerOptions> options, ILogger<ModelCache> logger) : IDisposable
{
    private sealed class Entry(CellposeModel model, int version)
    {
        public CellposeModel Model { get; } = model;
        public int Version { get; } = version;
        public SemaphoreSlim Gate { get; } = new(1, 1);
    }

    private readonly Dictionary<string, Entry> loaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim loadGate = new(1, 1);

    public sealed class Lease(CellposeModel model, string name, int version, SemaphoreSlim gate) : IDisposable
    {
        public CellposeModel Model { get; } = model;
        public string Name { get; } = name;
        public int Version { get; } = version;
        public void Dispose() => gate.Release();
    }

    public async Task<Lease> AcquireAsync(string model, CancellationToken cancel)
    {
        var latest = await registry.LiveAsync(model, cancel);
        Entry entry;
        await loadGate.WaitAsync(cancel);
        try
        {
            if (!loaded.TryGetValue(model, out var current) || current.Version != latest.Version)
            {
                var device = DeviceChoice.Parse(options.Value.Device);
                entry = new Entry(CellposeModel.Load(latest.Path, device), latest.Version);
                loaded[model] = entry;
                AcqSegMetrics.ModelVersionInfo.WithLabels(model).Set(latest.Version);
                LogLoaded(model, latest.Version, latest.Path);
                if (current is not null) _ = RetireAsync(current);
            }
            else
            {
                entry = current;
            }
        }
        finally
        {
            loadGate.Release();
        }
        await entry.Gate.WaitAsync(cancel);
        return new Lease(entry.Model, model, entry.Version, entry.Gate);
    }

    /// <summary>Disposes a replaced model once the frame running on it (if any) has finished.</summary>
    private static async Task RetireAsync(Entry old)
    {
        await old.Gate.WaitAsync();
        old.Model.Dispose();
    }

    public void Dispose()
    {
        foreach (var entry in loaded.Values) entry.Model.Dispose();
        loaded.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} version {ModelVersion} from {Path}")]
    private partial void LogLoaded(string model, int modelVersion, string path);
}
