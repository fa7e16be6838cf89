using System.ComponentModel.DataAnnotations;

namespace AcqSeg.Watcher;

public sealed class WatcherOptions : IValidatableObject
{
    public const string SectionName = "Watcher";

    /// <summary>Acquisition roots, watched recursively. An acquisition is a folder: the root's name plus the
    /// sub-folder path of the file ("run42/plate1").</summary>
    public List<string> Roots { get; set; } = [];

    /// <summary>File-name patterns (* and ?) that count as frames; anything else (e.g. a writer's .part file) is ignored.</summary>
    public List<string> Globs { get; set; } = ["*.tif", "*.tiff"];

    /// <summary>A file counts once its size and modification time have not changed for this long.</summary>
    [Range(0, 3_600_000)]
    public int StableMilliseconds { get; set; } = 2000;

    /// <summary>How often pending files are looked at again.</summary>
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 250;

    /// <summary>A full rescan of the roots (catches what the OS notifications missed or what arrived while down).</summary>
    [Range(1, 86_400)]
    public int RescanSeconds { get; set; } = 30;

    /// <summary>A stable file that still does not open as a TIFF after this long is published anyway, so it ends
    /// as a failed frame with the reader's reason instead of waiting forever.</summary>
    [Range(0, 3_600_000)]
    public int InvalidTiffGraceMilliseconds { get; set; } = 5000;

    /// <summary>While the broker returns frames because no segment queue is bound yet (no worker has connected to this
    /// broker), one waiting frame is published again this often; the others wait until it goes through.</summary>
    [Range(100, 600_000)]
    public int UnroutedRetryMilliseconds { get; set; } = 2000;

    /// <summary>An Acquired frame published this long ago and still not done is published again (its message may have
    /// been lost between the database and the bus); the lease grows with each publish. Longer than a frame's worst
    /// segmentation time plus its wait in the queue keeps copies rare, and copies are harmless (one terminal state).</summary>
    [Range(5, 86_400)]
    public int RepublishLeaseSeconds { get; set; } = 600;

    /// <summary>An Acquired frame never published (the watcher stopped between storing and publishing it, or a curator
    /// requeued it) is published once it is this old.</summary>
    [Range(1, 86_400)]
    public int UnpublishedGraceSeconds { get; set; } = 10;

    /// <summary>How often the janitor looks for such frames.</summary>
    [Range(1, 3_600)]
    public int JanitorIntervalSeconds { get; set; } = 10;

    /// <summary>Folders below a root that are not acquisitions (e.g. an output root inside a watched folder).</summary>
    public List<string> ExcludeFolders { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Roots.Count == 0)
            yield return new ValidationResult("Watcher:Roots is empty; give at least one acquisition folder to watch", [nameof(Roots)]);
        foreach (string root in Roots)
        {
            if (!Directory.Exists(root))
                yield return new ValidationResult($"Watcher:Roots '{root}' does not exist; create it or fix the path", [nameof(Roots)]);
        }
        if (Globs.Count == 0 || Globs.Any(string.IsNullOrWhiteSpace))
            yield return new ValidationResult("Watcher:Globs must list file patterns such as *.tif", [nameof(Globs)]);
    }
}
