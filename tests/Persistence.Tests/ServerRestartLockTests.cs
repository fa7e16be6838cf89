using AcqSeg.TestSupport;

namespace AcqSeg.Persistence.Tests;

/// <summary>The lock that keeps PostgreSQL tests of one test project off the server while another project's test
/// restarts it: shared leases coexist, the exclusive one waits for them.</summary>
public sealed class ServerRestartLockTests
{
    [Fact]
    public async Task SharedLeasesCoexist_TheExclusiveOneWaitsUntilTheLastIsReleased()
    {
        using var tmp = new TempFolder();
        var locks = new ServerRestartLock(tmp.File("servers.lock"));
        var first = await locks.TakeAsync(FileShare.ReadWrite);
        var second = await locks.TakeAsync(FileShare.ReadWrite).WaitAsync(TimeSpan.FromSeconds(5));
        var exclusive = locks.TakeAsync(FileShare.None);
        await Task.Delay(600);
        Assert.False(exclusive.IsCompleted);
        first.Dispose();
        await Task.Delay(600);
        Assert.False(exclusive.IsCompleted);
        second.Dispose();
        using var held = await exclusive.WaitAsync(TimeSpan.FromSeconds(5));
        var shared = locks.TakeAsync(FileShare.ReadWrite);
        await Task.Delay(600);
        Assert.False(shared.IsCompleted);
        held.Dispose();
        (await shared.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }
}
