using System.Runtime.InteropServices;

namespace AcqSeg.Segmentation;

/// <summary>
/// Keeps libtorch's large buffers in glibc's heap for the whole process. A training step, and every frame or tile the
/// network sees, frees and asks again for the same large buffers (a training batch of 8 crops at 224 x 224 with 32
/// channels is 51 MB); glibc maps blocks over 32 MB straight from the kernel and unmaps them on free, so every step
/// faulted all their pages back in. Measured here: 3 training epochs of 64 DSB2018 crops went from 4.1 million page
/// faults, 32 s of kernel time and 2.6-3.0 images/s to 1.3 million, 9 s and 4.2 images/s (same losses; resident 5.0 GB
/// instead of 4.6); segmenting GOWT1's six 1024 x 1024 frames took 28.0 s instead of 80.7 s on the exact path and 10.6
/// instead of 16.1 s on the fast path. <see cref="KeepLargeBuffers"/> turns glibc's mmap use off (M_MMAP_MAX 0) and
/// defers returning freed heap to the system (M_TRIM_THRESHOLD 2 GiB). Blocks larger than a thread arena's 64 MB heap
/// are still mapped when a thread other than the main one asks for them. A large frame's network pass gets glibc's
/// defaults back (<see cref="LargeFrames"/>): its tiles would fragment a kept heap.
/// </summary>
public static partial class NativeHeap
{
    private const int MallocTrimThreshold = -1; // M_TRIM_THRESHOLD in glibc's malloc.h
    private const int MallocMmapMax = -4; // M_MMAP_MAX
    private const int GlibcDefaultMmapMax = 65536;
    private const int GlibcDefaultTrimThreshold = 128 * 1024;

    private static int kept;

    /// <summary>Whether <see cref="KeepLargeBuffers"/> applied the setting in this process.</summary>
    public static bool Active => Volatile.Read(ref kept) == 1;

    /// <summary>Applies the setting once per process (Linux with glibc); returns whether it is in force.</summary>
    public static bool KeepLargeBuffers()
    {
        if (Active) return true;
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            if (mallopt(MallocTrimThreshold, int.MaxValue) != 1 || mallopt(MallocMmapMax, 0) != 1) return false;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (musl): nothing to tune
        }
        Volatile.Write(ref kept, 1);
        return true;
    }

    /// <summary>Puts glibc's defaults back (tests: the setting is process-wide).</summary>
    internal static void Release()
    {
        if (!Active) return;
        mallopt(MallocMmapMax, GlibcDefaultMmapMax);
        mallopt(MallocTrimThreshold, GlibcDefaultTrimThreshold);
        Volatile.Write(ref kept, 0);
    }

    /// <summary>Gives glibc its defaults back while a large frame's network pass runs (<see cref="LargeFrames"/> returns
    /// that frame's blocks to the system at once), and the kept setting afterwards.</summary>
    internal static void AllowMapping(bool allow)
    {
        if (!Active) return;
        try
        {
            mallopt(MallocMmapMax, allow ? GlibcDefaultMmapMax : 0);
            mallopt(MallocTrimThreshold, allow ? GlibcDefaultTrimThreshold : int.MaxValue);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
