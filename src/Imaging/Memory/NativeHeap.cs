using System.Runtime.InteropServices;

namespace AcqSeg.Imaging.Memory;

/// <summary>
/// Keeps libtorch's large buffers in glibc's heap for the whole process. A training step, and every frame or tile the
/// network sees, frees and asks again for the same large buffers (a training batch of 8 crops at 224 x 224 with 32
/// channels is 51 MB); glibc maps blocks over 32 MB straight from the kernel and unmaps them on free, so every step
/// faulted all their pages back in. Measured here: 3 training epochs of 64 DSB2018 crops went from 4.1 million page
/// faults, 32 s of kernel time and 2.6-3.0 images/s to 1.3 million, 9 s and 4.2 images/s (same losses; resident 5.0 GB
/// instead of 4.6); segmenting GOWT1's six 1024 x 1024 frames took 28.0 s instead of 80.7 s on the exact path and 10.6
/// instead of 16.1 s on the fast path. <see cref="KeepLargeBuffers"/> turns glibc's mmap use off (M_MMAP_MAX 0) and
/// defers returning freed heap to the system (M_TRIM_THRESHOLD 2 GiB). That holds whole for the main thread. A thread
/// other than the main one has an arena of 64 MB heaps: a larger block is still mapped, and a block that does not fit
/// in the rest of the thread's current heap gets a heap of its own, which glibc unmaps when the block is freed (a fresh
/// thread holding 20 MB faulted all of a 48 MB block's pages on every reuse). A large frame's network pass gets glibc's
/// defaults back (<see cref="LargeFrames"/>): its tiles would fragment a kept heap.
/// Kept heaps multiply with glibc's arenas: a thread that contends for the heap gets an arena of its own (up to 8 per
/// core), each keeping what it freed. The train worker runs every round on a fresh thread, and `acqseg run` grew by
/// about 1 GB a round on Usiigaci frames until the kernel killed it (docs/hitl, session 16). <see cref="KeepLargeBuffers"/>
/// therefore also caps the arenas at one per core (at least 2); MALLOC_ARENA_MAX in the environment takes precedence.
/// Measured with `hitl-service` on the same Usiigaci frames, rounds of 10 epochs, 2 cores: with glibc's arenas the
/// service grew 2.7, 4.1, 5.3, 6.5, 7.3 to 8.7 GB over 4-5 rounds; with MALLOC_ARENA_MAX=2, 4.8 GB at most; with this
/// cap set in-process, 2.6, 4.0, 4.9, 4.9 GB and 5.1 GB at most over 4 rounds.
/// </summary>
public static partial class NativeHeap
{
    // mallopt parameters in glibc's malloc.h, and the values glibc starts with on 64-bit Linux.
    private const int MallocTrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int MallocMmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int MallocMmapMax = -4; // M_MMAP_MAX
    private const int MallocArenaMax = -8; // M_ARENA_MAX (0: glibc's own count, 8 per core)
    private const int GlibcDefaultMmapMax = 65536;
    private const int GlibcDefaultTrimThreshold = 128 * 1024;
    private const int GlibcMaxDynamicMmapThreshold = 32 << 20; // the upper bound of glibc's dynamic mmap threshold
    private const int LargeFrameMmapThreshold = 4 << 20;

    private static int kept;

    /// <summary>Whether <see cref="KeepLargeBuffers"/> applied the setting in this process.</summary>
    public static bool Active => Volatile.Read(ref kept) == 1;

    /// <summary>Applies the setting once per process (Linux with glibc); returns whether it is in force.</summary>
    public static bool KeepLargeBuffers()
    {
        if (Active) return true;
        if (!OperatingSystem.IsLinux() || !SetKept()) return false;
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX"))) Set(MallocArenaMax, Arenas);
        Volatile.Write(ref kept, 1);
        return true;
    }

    /// <summary>The arena cap <see cref="KeepLargeBuffers"/> sets: one per core, at least 2.</summary>
    public static int Arenas => Math.Max(2, Environment.ProcessorCount);

    /// <summary>Puts glibc's defaults back (tests: the setting is process-wide).</summary>
    internal static void Release()
    {
        if (!Active) return;
        SetDefaults();
        Set(MallocArenaMax, 0);
        Volatile.Write(ref kept, 0);
    }

    /// <summary>
    /// Start of a large frame's network pass (<see cref="LargeFrames"/>): blocks of 4 MB and more are mapped and unmapped
    /// directly, which returns them to the system at once, and a process that keeps its large buffers gets glibc's
    /// defaults back for the pass (the tiles would fragment a kept heap). False where there is nothing to tune.
    /// </summary>
    internal static bool BeginLargeFrame()
    {
        if (!OperatingSystem.IsLinux() || !Set(MallocMmapThreshold, LargeFrameMmapThreshold)) return false;
        if (Active) SetDefaults();
        return true;
    }

    /// <summary>End of a large frame's network pass: glibc's threshold ceiling, the kept setting if it was in force,
    /// and the freed heap returned to the system.</summary>
    internal static void EndLargeFrame()
    {
        Set(MallocMmapThreshold, GlibcMaxDynamicMmapThreshold);
        if (Active) SetKept();
        try
        {
            malloc_trim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    /// <summary>The kept setting: no mapped blocks, freed heap kept.</summary>
    private static bool SetKept() => Set(MallocTrimThreshold, int.MaxValue) && Set(MallocMmapMax, 0);

    /// <summary>glibc's own values of what <see cref="SetKept"/> changes.</summary>
    private static void SetDefaults()
    {
        Set(MallocMmapMax, GlibcDefaultMmapMax);
        Set(MallocTrimThreshold, GlibcDefaultTrimThreshold);
    }

    private static bool Set(int param, int value)
    {
        try
        {
            return mallopt(param, value) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (musl): nothing to tune
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
