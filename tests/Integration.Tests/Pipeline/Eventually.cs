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
    /// The exit code of an in-process `acqseg run`; when it has not exited in time, fails with what <paramref name="describe"/>
    /// says about its state (frames and their states, its output) instead of a bare timeout.
    /// </summary>
    public static async Task<int> ExitsAsync(Task<int> run, TimeSpan within, Func<Task<string>> describe)
    {
        if (await Task.WhenAny(run, Task.Delay(within)) != run)
            Assert.Fail($"acqseg run did not exit within {within.TotalMinutes:F0} min; {await describe()}");
        return await run;
    }
}
