using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Build;

/// <summary>The helper the tests start programs with (heap probe, rabbitmqctl, promtool).</summary>
public sealed class ChildProcessTests
{
    [Fact]
    public void Run_CapturesBothStreamsInFull_AndTheExitCode()
    {
        // 200 kB on stderr before anything on stdout: more than a pipe holds, so reading stdout first would hang.
        var run = ChildProcess.Run("sh", ["-c", "head -c 200000 /dev/zero | tr '\\0' e >&2; echo out; exit 3"], TimeSpan.FromMinutes(1));
        Assert.Equal(3, run.ExitCode);
        Assert.Equal("out\n", run.Output);
        Assert.Equal(200_000, run.Error.Length);
        Assert.All(run.Error, c => Assert.Equal('e', c));
    }

    [Fact]
    public void Run_PassesTheEnvironment()
    {
        var run = ChildProcess.Run("sh", ["-c", "printf %s \"$ACQSEG_CHILD_TEST\""], TimeSpan.FromMinutes(1),
            new Dictionary<string, string> { ["ACQSEG_CHILD_TEST"] = "value with spaces" });
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("value with spaces", run.Output);
    }

    [Fact]
    public void Run_PastTheTimeout_KillsTheChildAndSaysWhatRanOver()
    {
        using var tmp = new TempFolder();
        string marker = tmp.File("still-running");
        var ex = Assert.Throws<TimeoutException>(() =>
            ChildProcess.Run("sh", ["-c", $"sleep 3; touch '{marker}'"], TimeSpan.FromMilliseconds(300)));
        Assert.Contains("sh -c sleep 3", ex.Message);
        Thread.Sleep(TimeSpan.FromSeconds(4));
        Assert.False(File.Exists(marker), "the child went on after the timeout");
    }
}
