using System.Runtime.InteropServices;
using AcqSeg.Segmentation;

namespace AcqSeg.Segmentation.Tests;

/// <summary>glibc's malloc settings are process-wide: these tests run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessHeapCollection
{
    public const string Name = "Process-wide heap settings";
}

/// <summary>
/// What <see cref="NativeHeap"/> is for: a large block freed and asked for again (a training step's buffers) must not
/// fault its pages back in. Counted with the thread's minor page faults (getrusage), so the test sees what the kernel did.
/// </summary>
[Collection(ProcessHeapCollection.Name)]
public sealed class NativeHeapTests
{
    // Over glibc's 32 MB ceiling for its dynamic mmap threshold, under the 64 MB of a thread arena's heap.
    private const int Block = 48 << 20;
    private const int Pages = Block / 4096;

    [Fact]
    public void KeepLargeBuffers_ReusesAFreedLargeBlockWithoutPageFaults()
    {
        if (!OperatingSystem.IsLinux()) return; // the setting is glibc's; elsewhere it reports false
        try
        {
            Assert.True(NativeHeap.KeepLargeBuffers());
            Assert.True(NativeHeap.Active);
            long kept = FaultsOfAskingTwice(trimBetween: false);
            Assert.True(kept < Pages / 10, $"{kept} page faults reusing a {Block >> 20} MB block kept in the heap (pages: {Pages})");
        }
        finally
        {
            NativeHeap.Release();
        }
        Assert.False(NativeHeap.Active);
        // The count sees pages that went back to the system: with glibc's defaults, and malloc_trim for a freed block
        // that did not reach the top of its heap, the same reuse faults them in again.
        long returned = FaultsOfAskingTwice(trimBetween: true);
        Assert.True(returned > Pages / 2, $"{returned} page faults once the block went back to the system (pages: {Pages})");
    }

    [Fact]
    public void LargeFrameScope_EndsWithTheKeptSettingBack()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            Assert.True(NativeHeap.KeepLargeBuffers());
            // Inside, glibc's defaults apply (measured on an 8192 x 8192 frame, see DEVELOPERS.md); which blocks get
            // mapped there depends on what the heap already holds, so only the state after the scope is asserted.
            using (LargeFrames.NativeHeapScope(LargeFrames.PixelThreshold)) FaultsOfAskingTwice(trimBetween: false);
            long after = FaultsOfAskingTwice(trimBetween: false);
            Assert.True(after < Pages / 10, $"{after} page faults once the large frame is done: the kept setting is back");
        }
        finally
        {
            NativeHeap.Release();
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
        Assert.Equal(0, getrusage(RusageThread, usage));
        return usage[4 + 4];
    }

    private const int RusageThread = 1;

    [DllImport("libc.so.6")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc.so.6")]
    private static extern int getrusage(int who, [Out] long[] usage);
}
