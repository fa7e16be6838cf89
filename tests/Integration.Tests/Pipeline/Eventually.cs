using AcqSeg.Persistence;

namespace AcqSeg.Integration.Tests;

/// <summary>Polls a condition until it holds or the time is up; the failure message says what was awaited and the
/// last state seen.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(string what, TimeSpan within, Func<Task<(bool Ok, string State)>> check)
    {
        var deadline = DateTime.UtcNow + within;
        string state = "";
        while (true)
        {
            (bool ok, state) = await check();
            if (ok) return;
            if (DateTime.UtcNow > deadline) break;
            await Task.Delay(250);
        }
        Assert.Fail($"{what}: not within {within.TotalSeconds:F0} s; last seen: {state}");
    }

    /// <summary>
    /// The exit code of an in-process `acqseg run`; when it has not exited in time, fails naming the frames it recorded
    /// that are not yet in a terminal state, and its output, instead of a bare timeout.
    /// </summary>
    public static async Task<int> ExitsAsync(Task<int> run, TimeSpan within, FrameStore frames, TextWriter stdout, TextWriter stderr)
    {
        if (await Task.WhenAny(run, Task.Delay(within)) != run)
        {
            var rows = await frames.ListAsync();
            var open = rows.Where(f => !FrameStates.Terminal.Contains(f.State)).Select(f => $"{Path.GetFileName(f.Path)} {f.State}");
            Assert.Fail($"acqseg run did not exit within {within.TotalMinutes:F0} min; of {rows.Count} frames recorded, not yet in a terminal state: "
                + $"{string.Join(", ", open)}; stdout {stdout}; stderr {stderr}");
        }
        return await run;
    }
}
