using System.Runtime.CompilerServices;
using AcqSeg.Engine.Training;

namespace AcqSeg.TestSupport;

/// <summary>
/// Linked into each test project that runs the network (Engine.Tests, Hosts.Tests, Cli.Tests: see their .csproj), not
/// compiled into TestSupport: a module initializer runs when its own assembly loads, so each test assembly needs its
/// copy of the attribute.
/// </summary>
internal static class OneDnnIsaSetup
{
    /// <summary>Before any test runs a convolution: the training tests need exact gradients (see OneDnnIsa).</summary>
    [ModuleInitializer]
    internal static void LimitOnAffectedCpu() => OneDnnIsa.LimitOnAffectedCpu();
}
