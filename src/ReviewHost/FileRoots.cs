namespace AcqSeg.ReviewHost;

/// <summary>
/// The folders the review host may read from: the watched acquisitions, the segmentation output, the corrections,
/// and any Review:ReadableRoots. A path from the database outside them is refused, so a tampered row cannot make
/// the service serve arbitrary files.
/// </summary>
public sealed class FileRoots
{
    private readonly List<string> roots = [];

    public FileRoots(IConfiguration configuration)
    {
        foreach (var root in configuration.GetSection("Watcher:Roots").GetChildren()) Add(root.Value);
        foreach (var root in configuration.GetSection("Review:ReadableRoots").GetChildren()) Add(root.Value);
        Add(configuration["SegmentWorker:OutputRoot"]);
        Add(configuration["Review:CorrectionsRoot"]);
    }

    public IReadOnlyList<string> Roots => roots;

    private void Add(string? root)
    {
        if (string.IsNullOrWhiteSpace(root)) return;
        string full = Path.GetFullPath(root);
        roots.Add(Path.EndsInDirectorySeparator(full) ? full : full + Path.DirectorySeparatorChar);
    }

    public bool Contains(string path)
    {
        string full = Path.GetFullPath(path);
        foreach (string root in roots)
        {
            if (full.StartsWith(root, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Null when the file may be read, else the refusal message.</summary>
    public string? Refusal(Guid frame, string path) => Contains(path)
        ? null
        : $"frame {frame}: file '{path}' is outside the configured roots ({string.Join(", ", roots)}); refusing to read it";
}
