using System.Runtime.InteropServices;

namespace AcqSeg.Segmentation;

/// <summary>
/// Memory discipline for very large frames (8192 x 8192 must stay under 6 GiB resident).
/// <list type="bullet">
/// <item>Each stage allocates and drops several full-frame buffers of 256 MiB or more; the GC would let that garbage
/// pile up on a machine with memory to spare (peak 14 GiB seen), so large frames collect between stages.</item>
/// <item>The network pass over hundreds of tiles fragments glibc's heap: freed activation blocks (about 19 MB each)
/// stay resident and grew the process by about 5 GB over 256 tiles. While a large frame runs, blocks of 4 MB and
/// more are mapped and unmapped directly (glibc's M_MMAP_THRESHOLD), which returns them to the system at once; it
/// costs about 25 % more network time, so small frames keep glibc's default behaviour.</item>
/// </list>
/// </summary>
public static partial class LargeFrames
{
    /// <summary>Frames with at least this many pixels (4096 x 4096) get the large-frame treatment.</summary>
    public const long PixelThreshold = 4096L * 4096;

    private const int MallocMmapThreshold = -3; // M_MMAP_THRESHOLD in glibc's malloc.h
    private const int LargeFrameMmapThreshold = 4 << 20;
    private const int DefaultMaxMmapThreshold = 32 << 20; // glibc's upper bound of its dynamic threshold on 64-bit

    public static void ReleaseBetweenStages(long pixels)
    {
        if (pixels < PixelThreshold) return;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
    }

    /// <summary>For the duration of a large frame's network pass, large native blocks bypass the heap (Linux/glibc only).
    /// In a process that keeps its large buffers (<see cref="NativeHeap"/>), glibc's defaults apply for the scope.</summary>
    public static IDisposable NativeHeapScope(long pixels)
    {
        if (pixels < PixelThreshold || !OperatingSystem.IsLinux() || !SetMmapThreshold(LargeFrameMmapThreshold)) return NoScope.Instance;
        NativeHeap.AllowMapping(true);
        return new Restore();
    }

    private static bool SetMmapThreshold(int bytes)
    {
        try
        {
            return mallopt(MallocMmapThreshold, bytes) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc: nothing to tune
        }
    }

    private sealed class Restore : IDisposable
    {
        public void Dispose()
        {
            SetMmapThreshold(DefaultMaxMmapThreshold);
            NativeHeap.AllowMapping(false);
            try
            {
                malloc_trim(0);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
