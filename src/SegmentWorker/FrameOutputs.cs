using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.ServiceDefaults;

namespace AcqSeg.SegmentWorker;

public sealed record OutputPaths(string Masks, string? Flows, string? Outlines, string? Objects);

/// <summary>Writes a frame's outputs under the output root. Names depend only on the frame, and every file goes
/// through temp + rename, so a redelivered frame overwrites the same files with the same content.</summary>
public static class FrameOutputs
{
    public static OutputPaths PathsFor(string outputRoot, string acquisition, string imagePath, Guid frameId, SegmentWorkerOptions o)
    {
        string folder = Path.Combine(Path.GetFullPath(outputRoot), SafeRelative(acquisition));
        string stem = $"{Path.GetFileNameWithoutExtension(imagePath)}.{frameId.ToString("N")[..8]}";
        return new OutputPaths(
            Path.Combine(folder, stem + "_cp_masks.tif"),
            o.SaveFlows ? Path.Combine(folder, stem + "_flows.tif") : null,
            o.SaveOutlines ? Path.Combine(folder, stem + "_cp_outlines.png") : null,
            o.SaveObjects ? Path.Combine(folder, stem + "_cp_objects.csv") : null);
    }

    /// <summary>Writes every output; a file that cannot be written throws <see cref="OutputWriteException"/> naming it.</summary>
    public static void Write(OutputPaths paths, ImageData image, SegmentationResult result)
    {
        Atomically(paths.Masks, p => TiffWriter.WriteLabels(p, result.Masks));
        if (paths.Flows is not null)
        {
            var n = result.Network;
            Atomically(paths.Flows, p => TiffWriter.WriteFloatPages(p, [n.DY, n.DX, n.CellProb], n.Height, n.Width));
        }
        if (paths.Outlines is not null) Atomically(paths.Outlines, p => OutlineOverlay.WritePng(p, image, result.Masks));
        if (paths.Objects is not null)
            Atomically(paths.Objects, p => ObjectTable.WriteCsv(p, ObjectTable.Measure(result.Masks, image)));
    }

    private static void Atomically(string path, Action<string> write)
    {
        try
        {
            FileHash.WriteAtomically(path, write);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputWriteException(path, ex);
        }
    }

    /// <summary>An acquisition id as a relative folder path without '..' or rooted parts.</summary>
    public static string SafeRelative(string acquisition)
    {
        var parts = acquisition.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p != "." && p != "..")
            .Select(p => string.Concat(p.Select(ch => Path.GetInvalidFileNameChars().Contains(ch) ? '_' : ch)));
        string joined = Path.Combine(parts.ToArray());
        return joined.Length == 0 ? "_" : joined;
    }
}

/// <summary>An output file could not be written: the disk, mount or permissions of the output folder, not the frame.</summary>
public sealed class OutputWriteException(string path, Exception inner)
    : IOException($"cannot write {path}: {inner.Message}", inner)
{
    public string OutputPath { get; } = path;
}
