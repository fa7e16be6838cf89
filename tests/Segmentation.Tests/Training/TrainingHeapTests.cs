using System.Runtime.InteropServices;
using AcqSeg.Segmentation.Training;

namespace AcqSeg.Segmentation.Tests.Training;

/// <summary>glibc's malloc settings are process-wide: these tests run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessHeapCollection
{
    public const string Name = "Process-wide heap settings";
}

/// <summary>
/// What <see cref="TrainingHeap"/> is for: a large block freed and asked for again (a training step's buffers) must not
/// fault its pages back in. Counted with the thread's minor page faults (getrusage), so the test sees what the kernel did.
/// </summary>
[Collection(ProcessHeapCollection.Name)]
public sealed class TrainingHeapTests
{
    // Over glibc's 32 MB ceiling for its dynamic mmap threshold, under the 64 MB of a thread arena's heap.
    private const int Block = 48 << 20;
    private const int Pages = Block / 4096;

    [Fact]
    public void Keep_ReusesAFreedLargeBlockWithoutPageFaults_ReleaseFaultsItInAgain()
    {
        if (!OperatingSystem.IsLinux()) return; // the setting is glibc's; elsewhere Keep reports false
        try
        {
            Assert.True(TrainingHeap.Keep());
            Assert.True(TrainingHeap.Active);
            long kept = FaultsOfAskingTwice();
            Assert.True(kept < Pages / 10, $"{kept} page faults reusing a {Block >> 20} MB block kept in the heap (pages: {Pages})");
        }
        finally
        {
            TrainingHeap.Release();
        }
        Assert.False(TrainingHeap.Active);
        long released = FaultsOfAskingTwice();
        Assert.True(released > Pages / 2, $"{released} page faults with glibc's defaults: the block went back to the system (pages: {Pages})");
    }

    [Fact]
    public void LargeFrameScope_ReturnsBlocksAtOnce_InATrainingProcess()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            Assert.True(TrainingHeap.Keep());
            using (LargeFrames.NativeHeapScope(LargeFrames.PixelThreshold))
            {
                long inScope = FaultsOfAskingTwice();
                Assert.True(inScope > Pages / 2, $"{inScope} page faults: a large frame's blocks go back to the system at once");
            }
            long after = FaultsOfAskingTwice();
            Assert.True(after < Pages / 10, $"{after} page faults once the large frame is done: the training setting is back");
        }
        finally
        {
            TrainingHeap.Release();
        }
    }

    /// <summary>Asks for a large block, writes every page and frees it, twice; the minor faults of the second time.</summary>
    private static long FaultsOfAskingTwice()
    {
        TouchOnce();
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
    private static extern int getrusage(int who, [Out] long[] usage);
}
