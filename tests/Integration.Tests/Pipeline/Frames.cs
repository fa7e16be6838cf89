using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;

namespace AcqSeg.Integration.Tests;

/// <summary>Small synthetic frames as TIFF bytes, written into a watch folder the ways microscopes write them.</summary>
public static class Frames
{
    /// <summary>A frame of nuclei about 30 pixels across (the reference model's diameter) and its true masks.</summary>
    public static SynthFrame Nuclei(int seed, int size = 96, int bitDepth = 16, SynthStyle style = SynthStyle.Nuclei, bool nuclearChannel = false) =>
        SyntheticFrames.Generate(new SynthSettings
        {
            Style = style, Height = size, Width = size, Diameter = 30, Density = 0.3, BitDepth = bitDepth, Seed = seed,
            NuclearChannel = nuclearChannel,
        });

    /// <summary>The TIFF file's bytes (written through a scratch file).</summary>
    public static byte[] TiffBytes(ImageData image, int bitDepth) => Bytes(p => TiffWriter.WriteImage(p, image, bitDepth));

    public static byte[] LabelTiffBytes(LabelImage labels) => Bytes(p => TiffWriter.WriteLabels(p, labels));

    /// <summary>Writes the bytes under a name the watcher ignores, then renames them into place (what most
    /// acquisition software does).</summary>
    public static void WriteViaRename(string path, byte[] bytes)
    {
        string part = path + ".part";
        File.WriteAllBytes(part, bytes);
        File.Move(part, path, overwrite: true);
    }

    /// <summary>Appends the bytes in <paramref name="chunks"/> pieces with a pause between them, as a slow writer
    /// streaming a frame to disk does; the file is incomplete (and no valid TIFF) until the last piece.</summary>
    public static async Task WriteInChunksAsync(string path, byte[] bytes, int chunks, TimeSpan pause)
    {
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        int step = (bytes.Length + chunks - 1) / chunks;
        for (int offset = 0; offset < bytes.Length; offset += step)
        {
            await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(step, bytes.Length - offset)));
            await stream.FlushAsync();
            await Task.Delay(pause);
        }
    }

    private static byte[] Bytes(Action<string> write)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"acqseg-it-{Guid.NewGuid():N}.tif");
        try
        {
            write(temp);
            return File.ReadAllBytes(temp);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
