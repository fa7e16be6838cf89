using AcqSeg.Engine.Training;

namespace AcqSeg.Cli.Commands;

/// <summary>CPU set-up shared by the commands that train (train, hitl).</summary>
internal static class TrainingCpu
{
    /// <summary>Applies <see cref="OneDnnIsa.LimitOnAffectedCpu"/> before the first convolution and says so when it did.</summary>
    public static void LimitOneDnn(TextWriter output)
    {
        if (OneDnnIsa.LimitOnAffectedCpu()) output.WriteLine(OneDnnIsa.Notice);
    }
}
