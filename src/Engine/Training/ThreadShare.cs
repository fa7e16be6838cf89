using System.Runtime.InteropServices;
using TorchSharp;

namespace AcqSeg.Engine.Training;

/// <summary>
/// The CPU share of one OS thread: how many threads its libtorch operations may use, and its scheduling priority. Lets a
/// training run on its own thread take a bounded share while segmentation on other threads of the same process keeps
/// its threads and its priority.
/// <para>
/// Why not <c>torch.set_num_threads</c>: with TorchSharp-cpu's libtorch (OpenMP, GNU libgomp) it sets the calling
/// thread's OpenMP team size and also a process-wide count that every thread takes over at its first libtorch operation.
/// Measured here (a thread limited to 1 with it, conv2d on 1x32x256x256): the limited thread ran on 1 thread, a thread
/// that had already used libtorch kept 2, and a thread started afterwards got 1, so segmentation on a fresh thread-pool
/// thread would have been limited too. OpenMP's own <c>omp_set_num_threads</c>, called after the thread's first
/// libtorch operation, changes that thread's team only (a thread started afterwards got 2); oneDNN's convolutions and
/// ATen's parallel loops size their teams from it per call. MKL, linked into libtorch_cpu, keeps its own per-thread
/// count (<c>mkl_set_num_threads_local</c>), set to match.
/// </para>
/// </summary>
public static unsafe class ThreadShare
{
    private const int PrioProcess = 0; // PRIO_PROCESS: with a thread id, Linux applies it to that thread alone

    private static readonly object Gate = new();
    private static bool looked;
    private static delegate* unmanaged<int, void> ompSetNumThreads;
    private static delegate* unmanaged<int, int> mklSetNumThreadsLocal;
    private static string? missing;

    /// <summary>Training threads when none are configured: all cores but one, which is left to segmentation.</summary>
    public static int DefaultTrainingThreads(int cores) => Math.Max(1, cores - 1);

    /// <summary>The libtorch thread count of the calling thread (its OpenMP team size).</summary>
    public static int CurrentThreadCount => torch.get_num_threads();

    /// <summary>Whether <see cref="LimitCurrentThread"/> can work here; <paramref name="problem"/> says why not.</summary>
    public static bool CanLimitPerThread(out string? problem)
    {
        Resolve();
        problem = missing;
        return missing is null;
    }

    /// <summary>
    /// Sets how many threads libtorch operations started on the calling thread may use; other threads keep theirs.
    /// Throws <see cref="PlatformNotSupportedException"/> where the OpenMP runtime cannot be found (then only the
    /// process-wide <c>torch.set_num_threads</c> exists, which this class exists to avoid).
    /// </summary>
    public static void LimitCurrentThread(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        // First libtorch call on this thread: ATen sets the thread's OpenMP count from the process-wide one once per
        // thread, so that must happen before the limit, not after it.
        _ = torch.get_num_threads();
        Resolve();
        if (missing is not null) throw new PlatformNotSupportedException($"cannot limit one thread's libtorch threads: {missing}");
        ompSetNumThreads(threads);
        if (mklSetNumThreadsLocal is not null) mklSetNumThreadsLocal(threads);
        int now = torch.get_num_threads();
        if (now != threads)
            throw new InvalidOperationException($"limited this thread to {threads} libtorch thread(s) but libtorch reports {now}");
    }

    /// <summary>
    /// Lowers the calling thread's scheduling priority to <paramref name="nice"/> (0-19; Linux, where each thread has its
    /// own nice value and threads it starts later inherit it); a thread already at that nice value or lower priority is
    /// left as it is. Raising it back needs privileges, so call it only on a thread that ends with the work (never on a
    /// pool thread). Returns false with the reason where it cannot.
    /// </summary>
    public static bool TryLowerCurrentThreadPriority(int nice, out string? problem)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nice, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nice, 19);
        problem = null;
        if (nice == 0) return true;
        if (!OperatingSystem.IsLinux())
        {
            problem = "per-thread priorities are set on Linux only";
            return false;
        }
        if (CurrentThreadNice() >= nice) return true;
        if (setpriority(PrioProcess, gettid(), nice) != 0)
        {
            problem = $"setpriority failed with errno {Marshal.GetLastPInvokeError()}";
            return false;
        }
        return true;
    }

    /// <summary>The calling thread's nice value (Linux); null elsewhere.</summary>
    public static int? CurrentThreadNice()
    {
        if (!OperatingSystem.IsLinux()) return null;
        Marshal.SetLastPInvokeError(0);
        int value = getpriority(PrioProcess, gettid());
        return value == -1 && Marshal.GetLastPInvokeError() != 0 ? null : value;
    }

    /// <summary>
    /// Finds omp_set_num_threads in the OpenMP runtime libtorch loaded (libgomp, its file name carries a hash in
    /// TorchSharp's package) and MKL's per-thread setter in libtorch_cpu, by their mapped files. MKL's C entry point is
    /// MKL_Set_Num_Threads_Local (mkl_service.h maps mkl_set_num_threads_local to it); the lower-case export is the
    /// Fortran one, which takes a pointer.
    /// </summary>
    private static void Resolve()
    {
        lock (Gate)
        {
            if (looked) return;
            looked = true;
            if (!OperatingSystem.IsLinux())
            {
                missing = "the OpenMP runtime is looked up on Linux only";
                return;
            }
            _ = torch.get_num_threads(); // loads libtorch and with it the OpenMP runtime
            var mapped = File.ReadLines("/proc/self/maps")
                .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
                .Where(parts => parts.Length == 6 && parts[5].StartsWith('/'))
                .Select(parts => parts[5].Trim())
                .Distinct()
                .ToList();
            string? openMp = mapped.FirstOrDefault(p => Path.GetFileName(p) is var f && (f.StartsWith("libgomp", StringComparison.Ordinal)
                || f.StartsWith("libiomp", StringComparison.Ordinal) || f.StartsWith("libomp", StringComparison.Ordinal)));
            if (openMp is null || !NativeLibrary.TryLoad(openMp, out var omp) || !NativeLibrary.TryGetExport(omp, "omp_set_num_threads", out var set))
            {
                missing = "no OpenMP runtime with omp_set_num_threads is loaded with libtorch";
                return;
            }
            ompSetNumThreads = (delegate* unmanaged<int, void>)set;
            string? torchCpu = mapped.FirstOrDefault(p => Path.GetFileName(p) == "libtorch_cpu.so");
            if (torchCpu is not null && NativeLibrary.TryLoad(torchCpu, out var lib) && NativeLibrary.TryGetExport(lib, "MKL_Set_Num_Threads_Local", out var mkl))
                mklSetNumThreadsLocal = (delegate* unmanaged<int, int>)mkl;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int gettid();

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc", SetLastError = true)]
    private static extern int getpriority(int which, int who);
}
