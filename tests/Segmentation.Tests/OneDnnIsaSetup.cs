using System.Runtime.CompilerServices;
using AcqSeg.Engine.Training;

namespace AcqSeg.Segmentation.Tests;

internal static class OneDnnIsaSetup
{
    /// <summary>Before any test runs a convolution: the training tests need exact gradients (see OneDnnIsa).</summary>
    [ModuleInitializer]
    internal static void LimitOnAffectedCpu() => OneDnnIsa.LimitOnAffectedCpu();
}
