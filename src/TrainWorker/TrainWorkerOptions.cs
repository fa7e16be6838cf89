using System.ComponentModel.DataAnnotations;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Training;
using Microsoft.Extensions.Configuration;

namespace AcqSeg.TrainWorker;

public sealed class TrainWorkerOptions : IValidatableObject
{
    public const string SectionName = "TrainWorker";

    /// <summary>Run folders (checkpoints and candidate models): WorkRoot/&lt;model&gt;/&lt;run id&gt;/.</summary>
    [Required(ErrorMessage = "TrainWorker:WorkRoot is required: the folder training checkpoints and candidate models are written to")]
    public string WorkRoot { get; set; } = "";

    /// <summary>A lineage trains once at least this many corrections are pending.</summary>
    [Range(1, 100_000)]
    public int PendingThreshold { get; set; } = 1;

    /// <summary>Epochs of the online schedule (Cellpose's GUI uses 100).</summary>
    [Range(1, 100_000)]
    public int Epochs { get; set; } = 100;

    /// <summary>Share of the corrected frames held back for scoring (at least one when there are two or more).</summary>
    [Range(0.0, 0.9)]
    public double HoldOutFraction { get; set; } = 0.2;

    /// <summary>The candidate is published when its AP@0.5 is at least the current version's plus this (0 = "not worse").</summary>
    [Range(-1.0, 1.0)]
    public double MinApGain { get; set; }

    /// <summary>Side of the augmented training crops (Cellpose: 224); a multiple of 16.</summary>
    [Range(32, 1024)]
    public int CropSize { get; set; } = 224;

    [Range(1, 100_000)]
    public int CheckpointEvery { get; set; } = 10;

    public int Seed { get; set; }

    /// <summary>auto, cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>
    /// Threads a run's network passes may use (its libtorch thread count, set on the run's own thread only, see
    /// <see cref="ThreadShare"/>); unset = all cores but one, at least 1, so segmentation in the same process keeps a core.
    /// At most the cores this process may use.
    /// </summary>
    public int? MaxThreads { get; set; }

    /// <summary>
    /// Nice value of the run's thread (0 = as the process, up to 19): segmentation threads at the process's priority then
    /// take the cores first whenever frames are waiting, and the run gets what they leave (Linux; threads elsewhere keep
    /// the process's priority).
    /// </summary>
    [Range(0, 19, ErrorMessage = "TrainWorker:Nice must be 0 (no change) to 19 (lowest priority)")]
    public int Nice { get; set; } = 10;

    /// <summary>
    /// How long a stop waits for the run to reach the end of its batch and write its checkpoint; after that the stop
    /// goes on and the last checkpoint written is the one the next start resumes from. The host's shutdown timeout is
    /// this plus <see cref="HostStopMargin"/>.
    /// </summary>
    [Range(1, MaxStopSeconds, ErrorMessage = "TrainWorker:StopSeconds must be 1-60")]
    public int StopSeconds { get; set; } = DefaultStopSeconds;

    public const int DefaultStopSeconds = 5, MaxStopSeconds = 60;

    /// <summary>What the rest of a host (bus, web server, other roles) gets of its shutdown after the train worker's wait.</summary>
    public static readonly TimeSpan HostStopMargin = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The shutdown timeout of a host with a train worker: StopSeconds plus <see cref="HostStopMargin"/> (5 + 3 s by
    /// default, so a stop ends within 10 s). Read from the configuration unvalidated, because the host takes its
    /// options before options are validated at start; an invalid value counts as the default here and start-up
    /// validation reports it with the others.
    /// </summary>
    public static TimeSpan HostShutdownTimeout(IConfiguration configuration)
    {
        int seconds = configuration.GetSection(SectionName).GetValue<string?>(nameof(StopSeconds)) is { } text
            && int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v)
            && v is >= 1 and <= MaxStopSeconds ? v : DefaultStopSeconds;
        return TimeSpan.FromSeconds(seconds) + HostStopMargin;
    }

    /// <summary>The thread count runs use: <see cref="MaxThreads"/>, or all cores but one.</summary>
    public int TrainingThreads => MaxThreads ?? ThreadShare.DefaultTrainingThreads(Environment.ProcessorCount);

    [Range(0, 3)]
    public int Chan { get; set; }

    [Range(0, 3)]
    public int Chan2 { get; set; }

    public TrainSchedule Schedule(int epochs) => TrainSchedule.Online with { Epochs = epochs };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        ValidationResult? device = null;
        try
        {
            DeviceChoice.Parse(Device);
        }
        catch (ArgumentException ex)
        {
            device = new ValidationResult($"TrainWorker:Device '{Device}': {ex.Message}", [nameof(Device)]);
        }
        if (device is not null) yield return device;
        int cores = Environment.ProcessorCount;
        if (MaxThreads is { } threads && (threads < 1 || threads > cores))
            yield return new ValidationResult(
                $"TrainWorker:MaxThreads {threads} is outside 1-{cores} (the cores this process may use); leave it unset for {ThreadShare.DefaultTrainingThreads(cores)}, which leaves a core to segmentation",
                [nameof(MaxThreads)]);
        if (CropSize % 16 != 0)
            yield return new ValidationResult($"TrainWorker:CropSize {CropSize} must be a multiple of 16 (the network halves it three times)", [nameof(CropSize)]);
    }
}
