namespace AcqSeg.Models;

/// <summary>
/// A file that travels beside a model's weights (its size model, its chosen mask thresholds) and cannot be used; the
/// message names the file and what to do. Callers decide what a broken companion costs: the CLI refuses, the segment
/// worker warns and runs without it.
/// </summary>
public sealed class WeightsCompanionFileException(string path, string reason, Exception? inner = null)
    : Exception($"{path}: {reason}", inner)
{
    public string Path { get; } = path;
    public string Reason { get; } = reason;
}
