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
}
