using AcqSeg.Engine.Inference;
using AcqSeg.Models;
using AcqSeg.Models.Sizing;
using AcqSeg.Models.Zoo;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker;

/// <summary>
/// Owns the loaded models of this process: one instance per lineage, the newest version the database knows.
/// A model is not thread-safe, so a lease holds its lock while a frame runs. When a newer version is published the
/// next lease loads it and the old one is disposed once its last frame is done. A version's size model is the one beside
/// its weights (a zoo model.pth's size.json, a configured file's NAME_size.json or .npy); fine-tuned versions have none.
/// </summary>
public sealed partial class ModelCache(ModelRegistry registry, IOptions<SegmentWorkerOptions> options, ILogger<ModelCache> logger) : IDisposable
{
    private sealed class Entry(CellposeModel model, int version, string path, SizeModel? size, MaskThresholds? thresholds)
    {
        public CellposeModel Model { get; } = model;
        public int Version { get; } = version;
        public string Path { get; } = path;
        public SizeModel? Size { get; } = size;
        public MaskThresholds? Thresholds { get; } = thresholds;
        public SemaphoreSlim Gate { get; } = new(1, 1);
    }

    private readonly Dictionary<string, Entry> loaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim loadGate = new(1, 1);

    public sealed class Lease(CellposeModel model, string name, int version, string weightsPath, SizeModel? size, MaskThresholds? thresholds,
        SemaphoreSlim gate) : IDisposable
    {
        public CellposeModel Model { get; } = model;
        public string Name { get; } = name;
        public int Version { get; } = version;
        /// <summary>The version's weight file (its size model, if any, lies beside it).</summary>
        public string WeightsPath { get; } = weightsPath;
        /// <summary>The version's size model (for SegmentWorker:Diameter 0), null when it has none.</summary>
        public SizeModel? SizeModel { get; } = size;
        /// <summary>The mask thresholds chosen for the version's weights (thresholds.json beside them), null when none were.</summary>
        public MaskThresholds? Thresholds { get; } = thresholds;
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
                var network = CellposeModel.Load(latest.Path, device);
                entry = new Entry(network, latest.Version, latest.Path, SizeModelBeside(model, latest.Version, latest.Path, network),
                    ThresholdsBeside(model, latest.Version, latest.Path));
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
        return new Lease(entry.Model, model, entry.Version, entry.Path, entry.Size, entry.Thresholds, entry.Gate);
    }

    /// <summary>
    /// The size model beside the weights, when SegmentWorker:Diameter 0 asks for estimates. One that cannot be read, or was
    /// fitted to another network, is left out with a warning naming the file and the fix: the frames then run at the
    /// model's diam_labels, as for a version without one, rather than failing.
    /// </summary>
    private SizeModel? SizeModelBeside(string model, int version, string weights, CellposeModel network)
    {
        if (options.Value.Diameter > 0) return null;
        try
        {
            return SizeModel.LoadBeside(weights, network.Network.StyleLength);
        }
        catch (WeightsCompanionFileException ex)
        {
            LogSizeModelUnusable(model, version, ex.Path, ex.Reason + "; replace or remove the file");
            return null;
        }
    }

    /// <summary>
    /// The mask thresholds chosen for the weights. A file that cannot be read is left out with a warning naming it and the
    /// fix: the frames then run at the configured thresholds or Cellpose's, rather than failing.
    /// </summary>
    private MaskThresholds? ThresholdsBeside(string model, int version, string weights)
    {
        try
        {
            var chosen = MaskThresholds.LoadBeside(weights);
            if (chosen is not null) LogThresholds(model, version, chosen.FlowThreshold, chosen.CellprobThreshold, MaskThresholds.PathBeside(weights));
            return chosen;
        }
        catch (WeightsCompanionFileException ex)
        {
            LogThresholdsUnusable(model, version, ex.Path, ex.Reason);
            return null;
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {ModelVersion}: size model {Path} not used, frames run at its diam_labels: {Problem}")]
    private partial void LogSizeModelUnusable(string model, int modelVersion, string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {ModelVersion}: thresholds file {Path} not used, frames run at the configured or Cellpose's thresholds: {Problem}")]
    private partial void LogThresholdsUnusable(string model, int modelVersion, string path, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {ModelVersion}: flow threshold {FlowThreshold}, cell-probability threshold {CellprobThreshold} chosen for its weights ({Path}), used where SegmentWorker does not set them")]
    private partial void LogThresholds(string model, int modelVersion, float flowThreshold, float cellprobThreshold, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} version {ModelVersion} from {Path}")]
    private partial void LogLoaded(string model, int modelVersion, string path);
}
