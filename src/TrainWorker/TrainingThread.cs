using AcqSeg.Segmentation.Training;

namespace AcqSeg.TrainWorker;

/// <summary>What a run's thread got of the share it was configured with; <see cref="Problem"/> says what could not be applied.</summary>
public sealed record AppliedShare(int Threads, int Nice, string? Problem);

/// <summary>
/// Runs a training run's compute (network passes, checkpoints, scoring) on a thread of its own that ends with the run,
/// with a bounded libtorch thread count and a lowered priority (<see cref="ThreadShare"/>). Both are properties of that
/// OS thread: a thread-pool thread would carry them into the next segmentation it runs, and a lowered priority cannot be
/// raised back without privileges.
/// </summary>
public static class TrainingThread
{
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
        })
        {
            IsBackground = true,
            Name = "acqseg-training",
        };
        thread.Start();
        return done.Task;
    }

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
