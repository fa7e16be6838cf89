using AcqSeg.Cli.Commands;

namespace AcqSeg.Cli.Soak;

/// <summary>How one frame reaches the watched folder.</summary>
internal enum WriteStyle
{
    /// <summary>Written as NAME.tif.part, then renamed (what most acquisition software does).</summary>
    Rename,
    /// <summary>Written in place in one go.</summary>
    InPlace,
    /// <summary>Half written in place, a stall, then the rest: a slow writer or a stalled network share.</summary>
    Stalled,
}

/// <summary>
/// The soak's microscope: synthetic frames (the service benchmark's) written into acquisition folders below the watched
/// root at a set rate, most through a rename, some in place, and every <see cref="SoakSettings.SlowEvery"/>-th by a slow
/// writer that stalls halfway. Stalls run from 1.5 x the stability window (the watcher must wait for the whole file) to
/// past the window plus the TIFF check's grace (the watcher publishes the half file, it fails as truncated, and the
/// finished file is retried as the same frame).
/// </summary>
internal sealed class SoakWriter(SoakSettings settings, string watchRoot, string staging, TimeSpan invalidTiffGrace)
{
    private const int Acquisitions = 4;
    private readonly List<string> written = [];
    private volatile int started;

    /// <summary>Frames begun so far (the chaos schedule follows it).</summary>
    public int Started => started;

    /// <summary>Full paths of the frames written, once <see cref="RunAsync"/> has finished.</summary>
    public IReadOnlyList<string> Written => written;

    public int Stalled { get; private set; }

    /// <summary>Stalled frames whose stall outlasted the stability window and the TIFF check's grace.</summary>
    public int StalledPastGrace { get; private set; }

    public DateTimeOffset FirstWrite { get; private set; }

    public DateTimeOffset LastWrite { get; private set; }

    /// <summary>The frames' bytes, made before the clock starts so that writing keeps its rate.</summary>
    public IReadOnlyList<string> Prepare() => ServiceBench.WriteFrames(staging, settings.Frames, settings.Size);

    public async Task RunAsync(IReadOnlyList<string> sources, CancellationToken cancel)
    {
        var random = new Random(settings.Seed);
        var stable = TimeSpan.FromSeconds(settings.StableSeconds);
        var pastGrace = stable + invalidTiffGrace;
        var slow = new List<Task>();
        FirstWrite = DateTimeOffset.UtcNow;
        for (int i = 0; i < sources.Count; i++)
        {
            var due = FirstWrite + TimeSpan.FromSeconds(i / settings.Rate);
            var wait = due - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancel);
            string folder = Path.Combine(watchRoot, $"plate{i % Acquisitions + 1}");
            Directory.CreateDirectory(folder);
            string target = Path.Combine(folder, $"frame_{i:D5}.tif");
            byte[] bytes = await File.ReadAllBytesAsync(sources[i], cancel);
            var style = i % settings.SlowEvery == settings.SlowEvery / 2 ? WriteStyle.Stalled : random.Next(2) == 0 ? WriteStyle.Rename : WriteStyle.InPlace;
            switch (style)
            {
                case WriteStyle.Rename:
                    await File.WriteAllBytesAsync(target + ".part", bytes, cancel);
                    File.Move(target + ".part", target);
                    break;
                case WriteStyle.InPlace:
                    await File.WriteAllBytesAsync(target, bytes, cancel);
                    break;
                default:
                    var stall = stable * 1.5 + (pastGrace + TimeSpan.FromSeconds(4) - stable * 1.5) * random.NextDouble();
                    Stalled++;
                    if (stall > pastGrace + TimeSpan.FromSeconds(0.5)) StalledPastGrace++;
                    slow.Add(WriteStalledAsync(target, bytes, stall, cancel));
                    break;
            }
            written.Add(target);
            started = i + 1;
        }
        await Task.WhenAll(slow);
        LastWrite = DateTimeOffset.UtcNow;
    }

    private static async Task WriteStalledAsync(string path, byte[] bytes, TimeSpan stall, CancellationToken cancel)
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
        int half = bytes.Length / 2;
        await stream.WriteAsync(bytes.AsMemory(0, half), cancel);
        await stream.FlushAsync(cancel);
        await Task.Delay(stall, cancel);
        await stream.WriteAsync(bytes.AsMemory(half), cancel);
        await stream.FlushAsync(cancel);
    }
}
