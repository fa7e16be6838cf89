using AcqSeg.Segmentation.Training;

namespace AcqSeg.Cli.Commands;

/// <summary>CPU set-up shared by the commands that train (train, hitl, zoo train-size).</summary>
internal static class TrainingCpu
{
    /// <summary>
    /// Applies <see cref="OneDnnIsa.LimitOnAffectedCpu"/> before the first convolution and says so when it did, and keeps
    /// libtorch's large buffers in the heap (<see cref="TrainingHeap"/>).
    /// </summary>
    public static void Prepare(TextWriter output)
    {
        if (OneDnnIsa.LimitOnAffectedCpu()) output.WriteLine(OneDnnIsa.Notice);
        TrainingHeap.Keep();
    }
}
