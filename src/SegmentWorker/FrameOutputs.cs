using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.ServiceDefaults;

namespace AcqSeg.SegmentWorker;

public sealed record OutputPaths(string Masks, string? Flows, string? Outlines, string? Objects);

/// <summary>
/// Writes a frame's outputs under the output root, in a folder tree that mirrors the acquisition's (the acquisition id
/// is the watch root's name plus the frame's sub-folders), named as Cellpose names them: X.tif gets X_cp_masks.tif, so
/// a user pairs them by name. Two different images can map to the same name (X.tif and X.tiff side by side, two watch
/// roots of the same name); only then does the later one get the frame id's first 8 hex digits in its names
/// (X.1a2b3c4d_cp_masks.tif, the naming every frame had before). Every file goes through temp + rename, so a
/// redelivered frame overwrites its own files with the same content.
/// </summary>
public static class FrameOutputs
{
    /// <summary>The names the frame's outputs get: plain, or with the frame id's hash when <paramref name="hashed"/>.</summary>
    public static OutputPaths PathsFor(string outputRoot, string acquisition, string imagePath, Guid frameId, SegmentWorkerOptions o, bool hashed = false)
    {
        string folder = Path.Combine(Path.GetFullPath(outputRoot), SafeRelative(acquisition));
        string stem = Path.GetFileNameWithoutExtension(imagePath);
        if (hashed) stem += "." + frameId.ToString("N")[..8];
        return new OutputPaths(
            Path.Combine(folder, stem + "_cp_masks.tif"),
            o.SaveFlows ? Path.Combine(folder, stem + "_flows.tif") : null,
            o.SaveOutlines ? Path.Combine(folder, stem + "_cp_outlines.png") : null,
            o.SaveObjects ? Path.Combine(folder, stem + "_cp_objects.csv") : null);
    }

    /// <summary>
    /// Writes every output and returns where they went. The masks file claims the plain name: it is moved in only when
    /// no file is there, or the file there records the same source image (a redelivery, or the image's new content).
    /// Otherwise, or when <paramref name="plainTaken"/> (the database holds another image's masks at that name), every
    /// output takes the hashed name. A file that cannot be written throws <see cref="OutputWriteException"/> naming it.
    /// </summary>
    public static OutputPaths Write(string outputRoot, string acquisition, string imagePath, Guid frameId, SegmentWorkerOptions o, bool plainTaken,
        ImageData image, SegmentationResult result)
    {
        string source = Path.GetFullPath(imagePath);
        var calibration = StackCalibration.From(image.Metadata);
        // One page with ImageJ's description (min/max of the labels): Fiji opens it as a label image, not a dark frame.
        void WriteMasks(string p) => TiffWriter.WriteLabelStack(p, [result.Masks], 1, 1, calibration, source);
        var paths = PathsFor(outputRoot, acquisition, imagePath, frameId, o);
        if (plainTaken || !TryClaim(paths.Masks, source, WriteMasks))
        {
            paths = PathsFor(outputRoot, acquisition, imagePath, frameId, o, hashed: true);
            Atomically(paths.Masks, WriteMasks);
        }
        if (paths.Flows is not null)
        {
            var n = result.Network;
            Atomically(paths.Flows, p => TiffWriter.WriteFloatPages(p, [n.DY, n.DX, n.CellProb], n.Height, n.Width));
        }
        if (paths.Outlines is not null) Atomically(paths.Outlines, p => OutlineOverlay.WritePng(p, image, result.Masks));
        if (paths.Objects is not null)
            Atomically(paths.Objects, p => ObjectTable.WriteCsv(p, ObjectTable.Measure(result.Masks, image)));
        return paths;
    }

    /// <summary>The source image recorded in a masks file (its DocumentName), or null when it records none or is not a TIFF.</summary>
    public static string? RecordedSource(string masksPath)
    {
        try
        {
            return TiffReader.ReadMetadata(masksPath).DocumentName;
        }
        catch (TiffReadException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> unless another image's file is there. The move without overwrite is atomic (a
    /// hard link on Linux), so of two workers writing different images to one name at once exactly one gets it.
    /// </summary>
    private static bool TryClaim(string path, string source, Action<string> write)
    {
        try
        {
            string dir = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(dir);
            string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.claim");
            try
            {
                write(temp);
                try
                {
                    File.Move(temp, path, overwrite: false);
                    return true;
                }
                catch (IOException) when (File.Exists(path))
                {
                    if (RecordedSource(path) != source) return false;
                    File.Move(temp, path, overwrite: true);
                    return true;
                }
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputWriteException(path, ex);
        }
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
