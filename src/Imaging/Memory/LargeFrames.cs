namespace AcqSeg.Imaging.Memory;

/// <summary>
/// Memory discipline for very large frames (8192 x 8192 must stay under 6 GiB resident).
/// <list type="bullet">
/// <item>Each stage allocates and drops several full-frame buffers of 256 MiB or more; the GC would let that garbage
/// pile up on a machine with memory to spare (peak 14 GiB seen), so large frames collect between stages.</item>
/// <item>The network pass over hundreds of tiles fragments glibc's heap: freed activation blocks (about 19 MB each)
/// stay resident and grew the process by about 5 GB over 256 tiles. While a large frame runs, blocks of 4 MB and
/// more are mapped and unmapped directly (glibc's M_MMAP_THRESHOLD), which returns them to the system at once; it
/// costs about 25 % more network time, so small frames do not get it (see <see cref="NativeHeap"/>).</item>
/// </list>
/// </summary>
public static class LargeFrames
{
    /// <summary>Frames with at least this many pixels (4096 x 4096) get the large-frame treatment.</summary>
    public const long PixelThreshold = 4096L * 4096;

    public static void ReleaseBetweenStages(long pixels)
    {
        if (pixels < PixelThreshold) return;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
    }

    /// <summary>For the duration of a large frame's network pass, large native blocks bypass the heap (Linux/glibc only;
    /// <see cref="NativeHeap.BeginLargeFrame"/>).</summary>
    public static IDisposable NativeHeapScope(long pixels) =>
        pixels >= PixelThreshold && NativeHeap.BeginLargeFrame() ? new Restore() : NoScope.Instance;

    private sealed class Restore : IDisposable
    {
        public void Dispose() => NativeHeap.EndLargeFrame();
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }
}
