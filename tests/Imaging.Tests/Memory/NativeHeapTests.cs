using AcqSeg.Imaging.Memory;
using AcqSeg.TestSupport;

namespace AcqSeg.Imaging.Tests.Memory;

/// <summary>
/// What <see cref="NativeHeap"/> is for: a large block freed and asked for again (a training step's buffers) must not
/// fault its pages back in. Counted with the thread's minor page faults (getrusage), so the test sees what the kernel
/// did, in a child process on its main thread (<see cref="HeapProbe"/> says why).
/// </summary>
public sealed class NativeHeapTests
{
    [SkippableFact]
    public void KeepLargeBuffers_ReusesAFreedLargeBlockWithoutPageFaults()
    {
        var counts = RunProbe(HeapProbe.KeepCase);
        Assert.Equal("True", counts["applied"]);
        long kept = long.Parse(counts["kept"]);
        Assert.True(kept < HeapProbe.Pages / 10, $"{kept} page faults reusing a {HeapProbe.Block >> 20} MB block kept in the heap (pages: {HeapProbe.Pages})");
        Assert.Equal("False", counts["active_after_release"]);
        long returned = long.Parse(counts["returned"]);
        Assert.True(returned > HeapProbe.Pages / 2, $"{returned} page faults once the block went back to the system (pages: {HeapProbe.Pages})");
    }

    [SkippableFact]
    public void LargeFrameScope_EndsWithTheKeptSettingBack()
    {
        var counts = RunProbe(HeapProbe.LargeFrameCase);
        Assert.Equal("True", counts["applied"]);
        long after = long.Parse(counts["after"]);
        Assert.True(after < HeapProbe.Pages / 10, $"{after} page faults once the large frame is done: the kept setting is back");
    }

    [Fact]
    public void Probe_UnknownCase_IsRefusedNamingTheCases()
    {
        var (code, _, error) = Run(HeapProbe.Verb, "nonsense");
        Assert.Equal(2, code);
        Assert.Contains(HeapProbe.KeepCase, error);
        Assert.Contains(HeapProbe.LargeFrameCase, error);
    }

    /// <summary>Runs this test assembly as a program; its name=value lines. Skips off Linux.</summary>
    private static Dictionary<string, string> RunProbe(string probeCase)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the setting is glibc's; elsewhere it reports false");
        var (code, output, error) = Run(HeapProbe.Verb, probeCase);
        Assert.True(code == 0, $"heap probe {probeCase} exited {code}: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
    }

    /// <summary>This test assembly run as a program (its entry point is HeapProbe).</summary>
    private static ChildProcessResult Run(params string[] args) =>
        ChildProcess.Run(ChildProcess.DotnetHost(), [typeof(HeapProbe).Assembly.Location, .. args], TimeSpan.FromMinutes(2));
}
