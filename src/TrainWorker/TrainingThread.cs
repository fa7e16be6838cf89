using System.Runtime.InteropServices;
using AcqSeg.Engine.Training;

namespace AcqSeg.TrainWorker;

/// <summary>What a run's thread got of the share it was configured with; <see cref="Problem"/> says what could not be applied.</summary>
public sealed record AppliedShare(int Threads, int Nice, string? Problem);

/// <summary>
/// Runs a training run's compute (network passes, checkpoints, scoring) on a thread of its own that ends with the run,
/// with a bounded libtorch thread count and a lowered priority (<see cref="ThreadShare"/>). Both are properties of that
/// OS thread: a thread-pool thread would carry them into the next segmentation it runs, and a lowered priority cannot be
/// raised back without privileges. The thread is a background thread, so a host whose stop gave up waiting for it
/// (<see cref="TrainWorkerOptions.StopSeconds"/>) still exits; the run's last checkpoint is then the one to resume from.
/// </summary>
public static class TrainingThread
{
    private static int running;

    /// <summary>Training threads of this process that have not ended.</summary>
    public static int Running => Volatile.Read(ref running);

    public static Task<T> RunAsync<T>(int threads, int nice, Func<AppliedShare, T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(work(Apply(threads, nice)));
            }
            catch (OperationCanceledException ex)
            {
                done.SetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        })
        {
            IsBackground = true,
            Name = "acqseg-training",
        };
        Interlocked.Increment(ref running);
        thread.Start();
        return done.Task;
    }

    /// <summary>
    /// For a program's last line, after its host stopped: when a training thread is still inside a batch (the stop gave
    /// up waiting for it), ends the process with <paramref name="exitCode"/> without the C library's exit handlers. Those
    /// run libtorch's static destructors, which unregister its operators while the thread's convolution is still calling
    /// them: `acqseg run` stopped that way died with a segmentation fault at exit (main thread in
    /// c10::impl::OperatorEntry::updateDispatchTableEntry_, training thread in dnnl_primitive_execute), two stops in
    /// three here. The host has written its logs and closed its stores by then; checkpoints are renamed into place, so one the
    /// thread was writing is simply not there. Returns when no training thread is running.
    /// </summary>
    public static void ExitProcessIfRunning(int exitCode)
    {
        if (Running == 0) return;
        Console.Out.Flush();
        Console.Error.Flush();
        if (OperatingSystem.IsWindows()) Environment.Exit(exitCode);
        _exit(exitCode);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void _exit(int status);

    private static AppliedShare Apply(int threads, int nice)
    {
        var problems = new List<string>();
        try
        {
            ThreadShare.LimitCurrentThread(threads);
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or InvalidOperationException)
        {
            problems.Add(ex.Message);
        }
        if (!ThreadShare.TryLowerCurrentThreadPriority(nice, out string? priority)) problems.Add($"priority not lowered: {priority}");
        return new AppliedShare(ThreadShare.CurrentThreadCount, ThreadShare.CurrentThreadNice() ?? 0, problems.Count == 0 ? null : string.Join("; ", problems));
    }
}
