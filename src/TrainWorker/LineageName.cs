namespace AcqSeg.TrainWorker;

/// <summary>Lineage names become folder names (run folders, version files), so they must be plain names.</summary>
public static class LineageName
{
    public static bool IsSafe(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name != "." && name != ".." && name.Length <= 200
        && name.IndexOfAny(['/', '\\', ':', '\0']) < 0 && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;
}
