namespace AcqSeg.Engine.Training;

/// <summary>
/// Optimiser settings and learning-rate schedule (Cellpose's SGD path): linear warm-up from 0 over
/// <see cref="WarmupEpochs"/> (numpy's linspace(0, lr, 10)), then constant; with annealing, the last 90 epochs halve the
/// rate every 10 (Cellpose appends ten halvings after n - 100 constant epochs). Cellpose anneals only runs above 250
/// epochs; AcqSeg anneals any annealed schedule longer than 110 epochs so that the short schedules trained on a CPU
/// also end at a low rate.
/// </summary>
public sealed record TrainSchedule
{
    public required string Name { get; init; }
    public double LearningRate { get; init; }
    public double WeightDecay { get; init; }
    public int Epochs { get; init; }
    public bool Anneal { get; init; }
    public double Momentum { get; init; } = 0.9;
    public int BatchSize { get; init; } = 8;
    public int WarmupEpochs { get; init; } = 10;
    /// <summary>Images drawn per epoch at least (with replacement when the set is smaller).</summary>
    public int MinImagesPerEpoch { get; init; } = 8;
    /// <summary>
    /// Exactly this many images an epoch (Cellpose's nimg_per_epoch): a fresh random subset each epoch when below the
    /// set's size, the set repeated when above; null = the whole set (at least <see cref="MinImagesPerEpoch"/>).
    /// </summary>
    public int? ImagesPerEpoch { get; init; }
    /// <summary>Images with fewer objects than this are left out.</summary>
    public int MinTrainMasks { get; init; } = 5;

    /// <summary>Cellpose's offline training: lr 0.2, weight decay 1e-5, 500 epochs, annealed, min 5 masks.</summary>
    public static TrainSchedule Offline => new() { Name = "offline", LearningRate = 0.2, WeightDecay = 1e-5, Epochs = 500, Anneal = true, MinTrainMasks = 5 };

    /// <summary>The GUI's human-in-the-loop fine-tuning: lr 0.1, weight decay 1e-4, 100 epochs, no annealing, min 1 mask.</summary>
    public static TrainSchedule Online => new() { Name = "online", LearningRate = 0.1, WeightDecay = 1e-4, Epochs = 100, Anneal = false, MinTrainMasks = 1 };

    public static TrainSchedule Named(string name) => name.ToLowerInvariant() switch
    {
        "offline" => Offline,
        "online" => Online,
        _ => throw new ArgumentException($"unknown schedule '{name}': use offline or online", nameof(name)),
    };

    public double LearningRateAt(int epoch)
    {
        if (epoch < 0 || epoch >= Epochs) throw new ArgumentOutOfRangeException(nameof(epoch), $"epoch {epoch} outside 0..{Epochs - 1}");
        if (epoch < WarmupEpochs) return WarmupEpochs <= 1 ? LearningRate : LearningRate * epoch / (WarmupEpochs - 1);
        const int annealEpochs = 90, step = 10;
        if (Anneal && Epochs > annealEpochs + 2 * step && epoch >= Epochs - annealEpochs)
        {
            int halvings = (epoch - (Epochs - annealEpochs)) / step + 1;
            return LearningRate / Math.Pow(2, halvings);
        }
        return LearningRate;
    }

    /// <summary>
    /// Whether a run checkpointed under <paramref name="previous"/> after <paramref name="completedEpochs"/> epochs can
    /// go on under this schedule: same settings, and every completed epoch had the rate this schedule gives it. Lets a
    /// long CPU run be shortened or lengthened before its annealing starts.
    /// </summary>
    public bool ContinuesFrom(TrainSchedule previous, int completedEpochs)
    {
        if (this with { Epochs = previous.Epochs } != previous) return false;
        if (completedEpochs > Epochs || completedEpochs > previous.Epochs) return false;
        for (int e = 0; e < completedEpochs; e++)
            if (LearningRateAt(e) != previous.LearningRateAt(e)) return false;
        return true;
    }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), $"epochs {Epochs} must be >= 1");
        if (LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"learning rate {LearningRate} must be > 0");
        if (WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(WeightDecay), $"weight decay {WeightDecay} must be >= 0");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"batch size {BatchSize} must be >= 1");
        if (Momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Momentum), $"momentum {Momentum} must be in [0, 1)");
        if (ImagesPerEpoch is < 1) throw new ArgumentOutOfRangeException(nameof(ImagesPerEpoch), $"images per epoch {ImagesPerEpoch} must be >= 1");
        if (MinTrainMasks < 0) throw new ArgumentOutOfRangeException(nameof(MinTrainMasks), "min train masks must be >= 0");
    }
}
