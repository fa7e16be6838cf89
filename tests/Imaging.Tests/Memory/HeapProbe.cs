using System.Runtime.InteropServices;
using AcqSeg.Imaging.Memory;

namespace AcqSeg.Imaging.Tests.Memory;

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is turned off). <c>dotnet AcqSeg.Imaging.Tests.dll
/// heap-probe CASE</c> runs one <see cref="NativeHeap"/> measurement on the process's main thread and prints its counts.
/// Why a process of its own: glibc serves the main thread from its main arena, whose heap grows and shrinks only as
/// mallopt says. A test runner thread has an arena of 64 MB heaps: a 48 MB block that does not fit in the current
/// heap gets a heap of its own, and freeing it unmaps that heap whatever the setting, so the count there depends on
/// what the runner allocated before (CI saw every page fault again).
/// </summary>
public static class HeapProbe
{
    public const string Verb = "heap-probe";
    public const string KeepCase = "keep";
    public const string LargeFrameCase = "large-frame";

    // Over glibc's 32 MB ceiling for its dynamic mmap threshold.
    public const int Block = 48 << 20;
    public const int Pages = Block / 4096;

    public static int Main(string[] args)
    {
        if (args.Length != 2 || args[0] != Verb)
        {
            Console.Error.WriteLine($"usage: dotnet AcqSeg.Imaging.Tests.dll {Verb} {KeepCase}|{LargeFrameCase} (run the tests with dotnet test)");
            return 2;
        }
        switch (args[1])
        {
            case KeepCase:
                Console.WriteLine($"applied={NativeHeap.KeepLargeBuffers()}");
                Console.WriteLine($"kept={FaultsOfAskingTwice(trimBetween: false)}");
                NativeHeap.Release();
                Console.WriteLine($"active_after_release={NativeHeap.Active}");
                // With glibc's defaults, and malloc_trim for a freed block that did not reach the top of its heap,
                // the same reuse faults the pages in again: the count sees pages that went back to the system.
                Console.WriteLine($"returned={FaultsOfAskingTwice(trimBetween: true)}");
                return 0;
            case LargeFrameCase:
                Console.WriteLine($"applied={NativeHeap.KeepLargeBuffers()}");
                // Inside, glibc's defaults apply; which blocks get mapped there depends on what the heap already holds,
                // so only the state after the scope is counted.
                using (LargeFrames.NativeHeapScope(LargeFrames.PixelThreshold)) FaultsOfAskingTwice(trimBetween: false);
                Console.WriteLine($"after={FaultsOfAskingTwice(trimBetween: false)}");
                return 0;
            default:
                Console.Error.WriteLine($"unknown {Verb} case '{args[1]}': use {KeepCase} or {LargeFrameCase}");
                return 2;
        }
    }

    /// <summary>Asks for a large block, writes every page and frees it, twice; the minor faults of the second time.</summary>
    private static long FaultsOfAskingTwice(bool trimBetween)
    {
        TouchOnce();
        if (trimBetween) malloc_trim(0);
        long before = MinorFaults();
        TouchOnce();
        return MinorFaults() - before;
    }

    private static void TouchOnce()
    {
        IntPtr block = Marshal.AllocHGlobal(Block); // malloc on Unix
        try
        {
            for (int offset = 0; offset < Block; offset += 4096) Marshal.WriteByte(block, offset, 1);
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }

    private static long MinorFaults()
    {
        var usage = new long[18]; // struct rusage: two timevals, then 14 longs; ru_minflt is the fifth long
        if (getrusage(RusageThread, usage) != 0) throw new InvalidOperationException("getrusage(RUSAGE_THREAD) failed");
        return usage[4 + 4];
    }

    private const int RusageThread = 1;

    [DllImport("libc.so.6")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc.so.6")]
    private static extern int getrusage(int who, [Out] long[] usage);
}
