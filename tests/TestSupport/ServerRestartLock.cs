namespace AcqSeg.TestSupport;

/// <summary>
/// Keeps tests in other test projects off the shared servers while a test restarts them. `dotnet test` runs the
/// projects side by side: the soak (Integration.Tests) restarts PostgreSQL, and the PostgreSQL store tests
/// (Persistence.Tests) would lose their connections mid-test. Users of the servers hold a shared lease; a test that
/// restarts them holds the exclusive one. A lock file on /tmp, locked with flock through .NET's FileShare (shared for
/// FileShare.ReadWrite, exclusive for FileShare.None), so a crashed test process releases it.
/// </summary>
public sealed class ServerRestartLock(string lockFile)
{
    private static readonly ServerRestartLock Servers = new(Path.Combine(Path.GetTempPath(), "acqseg-test-servers.lock"));

    /// <summary>Taken by every temporary database or schema for its lifetime.</summary>
    public static Task<IDisposable> SharedAsync() => Servers.TakeAsync(FileShare.ReadWrite);

    /// <summary>Taken around a restart of the shared servers; waits until no other process holds a shared lease.</summary>
    public static Task<IDisposable> ExclusiveAsync() => Servers.TakeAsync(FileShare.None);

    public async Task<IDisposable> TakeAsync(FileShare share)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, share);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
