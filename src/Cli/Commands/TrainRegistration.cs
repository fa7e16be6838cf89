using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AcqSeg.Engine.Training;
using AcqSeg.Engine.Zoo;
using AcqSeg.Models.Zoo;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// The end of `acqseg train`: the trained weights become the next version of the model folder in the zoo registry,
/// described from training/run.json, with lineage from --pretrained; the previous version is kept in versions/V/.
/// </summary>
public static class TrainRegistration
{
    /// <summary>What the version was trained on, e.g. "acqseg train --dir A --dir B, plus 100 synthetic frames".</summary>
    private static string TrainingNotes(JsonObject run)
    {
        var dirs = (run["train_dirs"] as JsonArray ?? []).Select(d => d?.GetValue<string>()).Where(d => !string.IsNullOrEmpty(d)).ToList();
        int synthetic = run["synthetic_images"]?.GetValue<int>() ?? 0;
        string notes = "acqseg train" + string.Concat(dirs.Select(d => " --dir " + d));
        var styles = (run["synthetic_styles"] as JsonArray ?? []).Select(st => st?.GetValue<string>()).Where(st => !string.IsNullOrEmpty(st)).ToList();
        string kind = styles.Count > 0 ? $"synthetic {string.Join("/", styles)} frames" : "synthetic frames";
        if (synthetic > 0) notes += dirs.Count > 0 ? $", plus {synthetic} {kind}" : $" on {synthetic} {kind}";
        if (run["images_per_epoch"]?.GetValue<int>() is { } perEpoch) notes += $", {perEpoch} images an epoch";
        if (run["gamma_augment"]?.GetValue<double>() is { } gamma && gamma > 1)
            notes += string.Create(CultureInfo.InvariantCulture, $", intensity gamma in [1/{gamma}, {gamma}]");
        if (run["schedule"]?.GetValue<string>() is { } schedule && run["learning_rate"]?.GetValue<double>() is { } lr
            && schedule is "offline" or "online" && TrainSchedule.Named(schedule).LearningRate is var usual && lr != usual)
            notes += string.Create(CultureInfo.InvariantCulture, $", lr {lr} (the {schedule} schedule's is {usual})");
        int? epochs = run["epochs"]?.GetValue<int>(), done = run["epochs_completed"]?.GetValue<int>();
        if (epochs is { } e && done is { } d && d < e)
            notes += $"; stopped after epoch {d} of a {e}-epoch {run["schedule"]?.GetValue<string>()} schedule (a later run resumes from training/checkpoint)";
        return notes;
    }

    /// <summary>training/parent.json: the lineage as it was when the run started, so that a run resumed after its
    /// pretrained zoo model got a newer version still names the version it started from.</summary>
    public const string ParentFile = "parent.json";

    /// <summary>Called when a run starts (not when it resumes): records what --pretrained is at this moment.</summary>
    public static void RecordParent(string modelFolder, string? pretrained)
    {
        string folder = Path.GetFullPath(modelFolder);
        string file = ParentPath(folder);
        var zoo = ZooOf(folder);
        // A zoo name the output's own zoo does not hold (a run written outside models/) is the file it resolved to,
        // kept with its checksum, so `zoo import --run` finds the zoo version again.
        if (pretrained is not null && !pretrained.Equals("none", StringComparison.OrdinalIgnoreCase) && !pretrained.Contains('/')
            && !pretrained.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) && !File.Exists(Path.Combine(zoo.Root, pretrained.Split('@')[0], ModelZoo.WeightsFile)))
            pretrained = ModelLocator.Resolve(pretrained);
        var parent = zoo.ParentFromPretrained(pretrained);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, JsonSerializer.Serialize(new { parent }, ModelManifest.Json));
    }

    private static string ParentPath(string folder) => Path.Combine(folder, "training", ParentFile);

    /// <summary>The zoo a model folder belongs to: its parent folder, opened to add weights (it reads their widths).</summary>
    private static ModelZoo ZooOf(string folder) => ZooNetwork.Open(Path.GetDirectoryName(folder) ?? ".");

    private static ModelParent? RecordedParent(string folder, ModelZoo zoo, JsonObject run)
    {
        string file = ParentPath(folder);
        if (File.Exists(file))
        {
            var recorded = JsonNode.Parse(File.ReadAllText(file)) as JsonObject;
            return recorded?["parent"]?.Deserialize<ModelParent>(ModelManifest.Json);
        }
        // Runs started before parent.json existed: the pretrained model as it is now.
        return zoo.ParentFromPretrained(run["pretrained"]?.GetValue<string>());
    }

    /// <summary>
    /// The version a `train` output folder describes (training/run.json, lineage from training/parent.json, parent as
    /// recorded in the zoo the folder lies in). Throws JsonException or IOException when the record is unreadable.
    /// </summary>
    public static ModelVersion DescribeRun(string modelFolder)
    {
        string folder = Path.GetFullPath(modelFolder);
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "training", "run.json"))) as JsonObject ?? [];
        return new ModelVersion
        {
            // Lineage as recorded when the run started (fine-tuning NAME from itself names the version it started from).
            Parent = RecordedParent(folder, ZooOf(folder), run),
            Created = DateTimeOffset.UtcNow,
            Schedule = run["schedule"]?.GetValue<string>(),
            Epochs = run["epochs_completed"]?.GetValue<int>() ?? run["epochs"]?.GetValue<int>(),
            TrainImages = run["train_images"]?.GetValue<int>(),
            TrainRois = run["train_rois"]?.GetValue<int>(),
            WallSeconds = run["wall_seconds_all_runs"]?.GetValue<double>(),
            ImagesPerSecond = run["images_per_second"]?.GetValue<double>(),
            Notes = TrainingNotes(run),
            Licences = run["data_licences"] is JsonArray licences && licences.Count > 0 ? licences.Deserialize<List<DataLicence>>(ModelManifest.Json) : null,
        };
    }

    public static void Register(CliConsole console, string modelFolder, string trainedWeights)
    {
        string folder = Path.GetFullPath(modelFolder);
        string name = Path.GetFileName(folder);
        var zoo = ZooOf(folder);
        try
        {
            var version = zoo.AddVersion(name, trainedWeights, DescribeRun(folder));
            File.Delete(trainedWeights);
            console.Out.WriteLine($"registered {name} version {version.Version} (parent {version.Parent?.ToString() ?? "none"}); card {Path.Combine(folder, ModelZoo.CardFile)}");
        }
        catch (Exception ex) when (ex is ZooException or System.Text.Json.JsonException or IOException or InvalidOperationException)
        {
            // The weights must not be lost because the registry could not be updated.
            File.Copy(trainedWeights, Path.Combine(folder, ModelZoo.WeightsFile), overwrite: true);
            console.Error.WriteLine($"acqseg train: saved model.pth but could not register it in the zoo: {ex.Message}");
        }
    }
}
