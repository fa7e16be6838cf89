using System.Text.Json;
using System.Text.Json.Serialization;
using AcqSeg.Engine.Network;
using TorchSharp.Modules;
using TorchSharp.PyBridge;

namespace AcqSeg.Engine.Training;

/// <summary>What a checkpoint says about the run it belongs to; a resume must match it.</summary>
public sealed record CheckpointInfo
{
    [JsonPropertyName("next_epoch")] public int NextEpoch { get; init; }
    [JsonPropertyName("epochs")] public int Epochs { get; init; }
    [JsonPropertyName("schedule")] public string Schedule { get; init; } = "";
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("widths")] public int[] Widths { get; init; } = [];
    /// <summary>The pretrained network's widths when the run widened it first; a resumed run reports them too.</summary>
    [JsonPropertyName("widened_from")] public int[]? WidenedFrom { get; init; }
    [JsonPropertyName("train_images")] public int TrainImages { get; init; }
    [JsonPropertyName("saved")] public DateTimeOffset Saved { get; init; }
}

/// <summary>
/// A resumable training state in one folder: the network (checkpoint.pth) and the SGD momentum buffers
/// (optimizer.pth), both in PyTorch's format, and checkpoint.json. Written atomically enough for a kill at any time
/// (a stopping service may exit while its training thread writes one): each file is written under a temporary name
/// and renamed into place, the JSON last, so no file is ever read half-written.
/// </summary>
public static class TrainingCheckpoint
{
    public const string NetworkFile = "checkpoint.pth";
    public const string OptimizerFile = "optimizer.pth";
    public const string InfoFile = "checkpoint.json";

    public static void Save(string folder, CellposeNet net, OptimizerHelper optimizer, CheckpointInfo info)
    {
        Directory.CreateDirectory(folder);
        string netTmp = Path.Combine(folder, NetworkFile + ".tmp"), optTmp = Path.Combine(folder, OptimizerFile + ".tmp");
        CellposeWeights.Save(net, netTmp);
        optimizer.save_py(optTmp);
        File.Move(netTmp, Path.Combine(folder, NetworkFile), overwrite: true);
        File.Move(optTmp, Path.Combine(folder, OptimizerFile), overwrite: true);
        string infoTmp = Path.Combine(folder, InfoFile + ".tmp");
        File.WriteAllText(infoTmp, JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(infoTmp, Path.Combine(folder, InfoFile), overwrite: true);
    }

    public static CheckpointInfo? TryRead(string folder)
    {
        string path = Path.Combine(folder, InfoFile);
        if (!File.Exists(path) || !File.Exists(Path.Combine(folder, NetworkFile)) || !File.Exists(Path.Combine(folder, OptimizerFile))) return null;
        return JsonSerializer.Deserialize<CheckpointInfo>(File.ReadAllText(path));
    }

    public static void RestoreOptimizer(string folder, OptimizerHelper optimizer) => optimizer.load_py(Path.Combine(folder, OptimizerFile));
}
