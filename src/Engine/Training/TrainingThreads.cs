using TorchSharp;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Training;

/// <summary>
/// Backstop for <see cref="OneDnnIsa"/>: before a CPU run trains, <see cref="Use"/> runs a 3x3 convolution's backward
/// pass a few times on the current thread count and, when the results disagree (a CPU whose convolution backward is
/// broken in a way the ISA limit does not cover), trains on one thread. On the AMD family 26 CPU here, without the ISA
/// limit, one thread made the backward repeatable when nothing else ran beside it and two threads never did. The check
/// costs well under a second and runs once per process. The reduction is the training thread's own where
/// <see cref="ThreadShare"/> can set one thread's count (segmentation on other threads keeps its threads), and restored
/// when the scope ends; elsewhere it is process-wide and restored when the last such run ends.
/// </summary>
public static class TrainingThreads
{
    private static readonly object Gate = new();
    private static bool? consistent;

    /// <summary>Whether multi-threaded convolution backward gave the same gradients every time (null: not checked yet).</summary>
    public static bool? MultiThreadedBackwardConsistent { get { lock (Gate) return consistent; } }

    /// <summary>
    /// Threads training on <paramref name="device"/> should use: the current count, or 1 when it is a CPU and the
    /// multi-threaded backward is inconsistent. Dispose the result to restore the previous count.
    /// </summary>
    public static ThreadScope Use(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (Gate)
        {
            int current = torch.get_num_threads();
            if (device.type != DeviceType.CPU || current <= 1 || BackwardIsConsistent()) return new ThreadScope(false, 0);
            if (ThreadShare.CanLimitPerThread(out _))
            {
                ThreadShare.LimitCurrentThread(1);
                return new ThreadScope(true, current);
            }
            // Only the process-wide count exists: the first reducing scope saves it, the last one to end restores it.
            if (reducedScopes++ == 0) restoreTo = current;
            torch.set_num_threads(1);
            return new ThreadScope(true, 0);
        }
    }

    private static int reducedScopes, restoreTo;

    private static void EndReduced(int threadRestoreTo)
    {
        if (threadRestoreTo > 0)
        {
            ThreadShare.LimitCurrentThread(threadRestoreTo);
            return;
        }
        lock (Gate)
        {
            if (--reducedScopes == 0) torch.set_num_threads(restoreTo);
        }
    }

    /// <summary>Runs the check (once per process) with the current thread count.</summary>
    public static bool BackwardIsConsistent()
    {
        lock (Gate)
        {
            consistent ??= SameGradientsEveryTime(repeats: 6);
            return consistent.Value;
        }
    }

    /// <summary>A 3x3 convolution's input gradient on a 4x8x64x64 batch, computed <paramref name="repeats"/> times.</summary>
    internal static bool SameGradientsEveryTime(int repeats)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(seed: 11);
        var x = torch.randn([4, 8, 64, 64], generator: generator);
        var w = torch.randn([8, 8, 3, 3], generator: generator);
        Tensor? first = null;
        for (int i = 0; i < repeats; i++)
        {
            var xi = x.detach().requires_grad_(true);
            nn.functional.conv2d(xi, w, padding: [1, 1]).square().sum().backward();
            var g = xi.grad!.detach().clone();
            if (!torch.isfinite(g).all().item<bool>()) return false;
            if (first is null) first = g;
            else if (!g.allclose(first, 0, 0)) return false;
        }
        return true;
    }

    /// <summary>One training run's hold on the thread count; disposing it ends the reduction (once). A per-thread
    /// reduction (<paramref name="threadRestoreTo"/> above 0) is ended on the thread that made it.</summary>
    public sealed class ThreadScope(bool reduced, int threadRestoreTo) : IDisposable
    {
        private bool active = reduced;

        /// <summary>Whether this run trains on one thread because the check failed.</summary>
        public bool Reduced { get; } = reduced;

        public void Dispose()
        {
            if (!active) return;
            active = false;
            EndReduced(threadRestoreTo);
        }
    }
}
