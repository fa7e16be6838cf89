using AcqSeg.Engine.Tests.Inference;
using AcqSeg.Engine.Training;
using TorchSharp;

namespace AcqSeg.Engine.Tests.Training;

/// <summary>A training thread's share is its own: the thread count and priority of other threads, including threads that
/// first use libtorch afterwards, stay as they were (torch.set_num_threads fails the second part: see ThreadShare).</summary>
[Collection(NetworkRunCollection.Name)]
public class ThreadShareTests
{
    private static T OnNewThread<T>(Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception ex) { error = ex; }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new InvalidOperationException("the thread failed", error);
        return result;
    }

    [SkippableFact]
    public void LimitCurrentThread_ChangesThatThreadOnly_NotThreadsThatUseLibtorchLater()
    {
        Skip.IfNot(ThreadShare.CanLimitPerThread(out string? problem), problem);
        int process = torch.get_num_threads();
        int limited = process + 1; // unlike the process's count on any machine, one core included

        int onLimitedThread = OnNewThread(() =>
        {
            ThreadShare.LimitCurrentThread(limited);
            return ThreadShare.CurrentThreadCount;
        });
        int onLaterThread = OnNewThread(() => ThreadShare.CurrentThreadCount);

        Assert.Equal(limited, onLimitedThread);
        Assert.Equal(process, onLaterThread);
        Assert.Equal(process, torch.get_num_threads());
    }

    [Fact]
    public void LimitCurrentThread_BelowOne_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadShare.LimitCurrentThread(0));

    [SkippableFact]
    public void TryLowerCurrentThreadPriority_LowersThatThreadOnly()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "per-thread priorities are Linux's");
        int mine = ThreadShare.CurrentThreadNice()!.Value;
        int target = Math.Min(19, mine + 3);

        var (applied, problem, nice) = OnNewThread(() =>
        {
            bool ok = ThreadShare.TryLowerCurrentThreadPriority(target, out string? why);
            return (ok, why, ThreadShare.CurrentThreadNice());
        });

        Assert.True(applied, problem);
        Assert.Equal(target, nice);
        Assert.Equal(mine, ThreadShare.CurrentThreadNice());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(8, 7)]
    public void DefaultTrainingThreads_LeavesOneCoreToSegmentation(int cores, int expected) =>
        Assert.Equal(expected, ThreadShare.DefaultTrainingThreads(cores));
}
