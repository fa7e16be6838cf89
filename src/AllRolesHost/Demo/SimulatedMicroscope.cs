using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;

namespace AcqSeg.AllRolesHost.Demo;

/// <summary>What the simulated microscope writes and how fast.</summary>
public sealed record MicroscopeSettings
{
    /// <summary>The acquisition folder the frames appear in.</summary>
    public required string Folder { get; init; }
    public double FramesPerSecond { get; init; } = 1;
    public int Frames { get; init; } = 20;
    /// <summary>Real images replayed between the synthetic frames (empty = synthetic only).</summary>
    public IReadOnlyList<string> RealImages { get; init; } = [];
    /// <summary>Seed of the first synthetic frame; frame i uses Seed + i.</summary>
    public int Seed { get; init; }
}

/// <summary>
/// Writes frames into an acquisition folder at a set rate, the way acquisition software does: each file is written
/// under a name the watcher ignores (.part) and renamed to its .tif name when complete. Even frames are synthetic
/// nuclei (known masks, 16-bit values), odd frames replay the real images in turn when there are any.
/// </summary>
public sealed class SimulatedMicroscope(MicroscopeSettings settings, TimeProvider clock)
{
    private volatile int written;

    /// <summary>Frames completely written so far.</summary>
    public int Written => written;

    public async Task RunAsync(CancellationToken cancel)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.FramesPerSecond);
        Directory.CreateDirectory(settings.Folder);
        var start = clock.GetUtcNow();
        for (int i = 0; i < settings.Frames; i++)
        {
            // Frame i is due at start + i / rate; a slow write delays the next frames instead of bunching them.
            var due = start + TimeSpan.FromSeconds(i / settings.FramesPerSecond);
            var wait = due - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, cancel);
            }
            else
            {
                // Behind the rate (a busy machine): the next frame is due now, but a stop still ends the writing, and the
                // writes go on off the caller's thread; without the yield a microscope that never caught up held the
                // demo's thread, so its live line and its stop waited for the writes.
                cancel.ThrowIfCancellationRequested();
                await Task.Yield();
            }
            WriteFrame(i);
            written = i + 1;
        }
    }

    /// <summary>Whether frame <paramref name="index"/> replays a real image: the odd ones, when there are real images.</summary>
    public static bool IsReal(int index, int realImages) => realImages > 0 && index % 2 == 1;

    /// <summary>How many of <paramref name="frames"/> frames replay real images (the rest are synthetic).</summary>
    public static int RealFrames(int frames, int realImages) => realImages > 0 ? frames / 2 : 0;

    private void WriteFrame(int index)
    {
        bool real = IsReal(index, settings.RealImages.Count);
        string source = real ? settings.RealImages[index / 2 % settings.RealImages.Count] : "";
        string name = real
            ? $"frame_{index:D4}_{Path.GetFileNameWithoutExtension(source)}.tif"
            : $"frame_{index:D4}_synthetic.tif";
        string final = Path.Combine(settings.Folder, name);
        string part = final + ".part";
        if (real)
        {
            File.Copy(source, part, overwrite: true);
        }
        else
        {
            var frame = SyntheticFrames.Generate(new SynthSettings { Style = SynthStyle.Nuclei, Seed = settings.Seed + index });
            TiffWriter.WriteFloatPages(part, [frame.Image.Data], frame.Image.Height, frame.Image.Width);
        }
        File.Move(part, final, overwrite: true);
    }

    /// <summary>Single-image TIFFs (NAME_img.tif) under a folder, small enough for a live CPU demo (at most
    /// <paramref name="maxPixels"/> pixels), in name order.</summary>
    public static IReadOnlyList<string> RealImagesUnder(string folder, long maxPixels = 512 * 512)
    {
        if (!Directory.Exists(folder)) return [];
        var images = new List<string>();
        foreach (string path in Directory.EnumerateFiles(folder, "*_img.tif", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            try
            {
                var image = TiffReader.Read(path);
                if ((long)image.Height * image.Width <= maxPixels) images.Add(path);
            }
            catch (TiffReadException)
            {
                // Not a frame the demo can replay; the others still are.
            }
        }
        return images;
    }
}
