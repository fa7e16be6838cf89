using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using AcqSeg.Cli.Fleet;
using AcqSeg.Persistence;
using AcqSeg.Watcher;

namespace AcqSeg.Cli.Soak;

/// <summary>What `acqseg soak` was asked for (see SoakCommand for each option's meaning).</summary>
internal sealed record SoakSettings
{
    public required string Bus { get; init; }
    public required string Database { get; init; }
    public required string ModelName { get; init; }
    public required string ModelPath { get; init; }
    public required string Work { get; init; }
    public int Frames { get; init; } = 2000;
    public int Size { get; init; } = 64;
    public int Workers { get; init; } = 3;
    public double Rate { get; init; } = 5;
    public int SlowEvery { get; init; } = 25;
    public double StableSeconds { get; init; } = 2;
    public double KillEverySeconds { get; init; } = 20;
    public int LeaseSeconds { get; init; } = 60;
    public double OutageSeconds { get; init; } = 5;
    public double DrainSeconds { get; init; } = 300;
    public string RabbitMqNode { get; init; } = "rabbit@localhost";
    public string PostgresCluster { get; init; } = "15/main";
    public int Seed { get; init; } = 1;
    public bool Keep { get; init; }
}

/// <summary>
/// One soak: a watcher process (with its janitor) and N segment worker processes of one thread each, started as
/// `acqseg run --role ...` on a fresh virtual host and database; frames written over time; workers killed with SIGKILL
/// and started again at random intervals; RabbitMQ restarted once and PostgreSQL once while frames arrive; then a drain
/// and the count of what became of every file.
/// </summary>
internal sealed class SoakRun(SoakSettings settings, CliConsole console)
{
    // The broker and the database go down at these fractions of the frames written.
    private const double BrokerRestartAt = 0.35;
    private const double DatabaseRestartAt = 0.65;
    private const int JanitorIntervalSeconds = 5;

    private readonly Random random = new(settings.Seed + 1);
    private readonly List<string> events = [];
    private RoleFleet? fleet;
    private int kills;

    public async Task<int> RunAsync()
    {
        var wall = Stopwatch.StartNew();
        string work = Path.GetFullPath(settings.Work);
        string watchRoot = Path.Combine(work, "watch"), output = Path.Combine(work, "out"), logs = Path.Combine(work, "logs");
        foreach (string d in new[] { watchRoot, output, logs }) Directory.CreateDirectory(d);
        var access = new ServerAccess(settings.Bus, settings.Database, settings.RabbitMqNode);
        await FleetServers.RequireReachableAsync(access);
        var servers = new FleetServers(access, "soak", Path.Combine(logs, "servers.log"));
        await servers.CreateAsync();
        var invalidGrace = TimeSpan.FromMilliseconds(new WatcherOptions().InvalidTiffGraceMilliseconds);
        var writer = new SoakWriter(settings, watchRoot, Path.Combine(work, "staging"), invalidGrace);
        var sources = writer.Prepare();
        var frames = new FrameStore(CliDatabase.Open(servers.Database));
        Progress($"soak: {settings.Frames} frames {settings.Size}x{settings.Size} at {Number(settings.Rate, "0.#")}/s, 1 watcher and " +
            $"{settings.Workers} segment workers (1 thread each) on virtual host {servers.VirtualHost} and database {servers.DatabaseName}; logs in {logs}");

        FrameOutcomes count;
        DateTimeOffset? lastDone;
        try
        {
            fleet = StartRoles(servers.Bus, servers.Database, watchRoot, output, logs);
            await fleet.WaitHealthyAsync();
            using var stop = new CancellationTokenSource();
            var writing = writer.RunAsync(sources, stop.Token);
            await ChaosAsync(writer, writing, servers, frames);
            await writing;
            lastDone = await DrainAsync(writer, frames, invalidGrace);
        }
        finally
        {
            if (fleet is not null) await fleet.StopAsync();
        }
        var rows = await frames.ListAsync();
        count = FrameOutcomes.Of(writer.Written, rows, output);
        Print(count, writer, lastDone, wall.Elapsed);

        if (count.Clean && !settings.Keep)
        {
            await servers.DropAsync();
            Directory.Delete(work, recursive: true);
        }
        else
        {
            string problems = Path.Combine(work, "problems.txt");
            await File.WriteAllLinesAsync(problems, count.Problems);
            console.Out.WriteLine($"kept: {work} (logs, problems.txt), database {servers.DatabaseName}, virtual host {servers.VirtualHost}");
        }
        return count.Clean ? CliApp.Ok : CliApp.InputFailed;
    }

    private RoleFleet StartRoles(string bus, string database, string watchRoot, string output, string logs)
    {
        var roles = new RoleFleet(new FleetLayout(bus, database, settings.ModelPath, watchRoot, output, logs, settings.Workers, settings.StableSeconds, [],
            new Dictionary<string, string>
            {
                // A short lease, so that a message lost with a killed worker or a restarted broker comes back within the run.
                ["Watcher__RepublishLeaseSeconds"] = settings.LeaseSeconds.ToString(CultureInfo.InvariantCulture),
                ["Watcher__JanitorIntervalSeconds"] = JanitorIntervalSeconds.ToString(CultureInfo.InvariantCulture),
            }));
        roles.Start();
        return roles;
    }

    /// <summary>Kills and restarts while the frames are written; the restarts of the servers happen once each.</summary>
    private async Task ChaosAsync(SoakWriter writer, Task writing, FleetServers servers, FrameStore frames)
    {
        bool brokerDone = false, databaseDone = false;
        var nextKill = DateTime.UtcNow + KillInterval();
        var nextProgress = DateTime.UtcNow.AddSeconds(15);
        while (!writing.IsCompleted)
        {
            await Task.WhenAny(writing, Task.Delay(250));
            await RestartCrashedAsync();
            double progress = writer.Started / (double)settings.Frames;
            if (!brokerDone && progress >= BrokerRestartAt)
            {
                await RestartAsync("RabbitMQ", writer.Started, () => servers.RestartBrokerAsync(Outage));
                brokerDone = true;
            }
            else if (!databaseDone && progress >= DatabaseRestartAt)
            {
                await RestartAsync("PostgreSQL", writer.Started, () => servers.RestartDatabaseAsync(settings.PostgresCluster, Outage));
                databaseDone = true;
            }
            else if (DateTime.UtcNow >= nextKill)
            {
                var victim = fleet!.Workers[random.Next(fleet.Workers.Count)];
                await victim.KillAsync();
                kills++;
                // Down for a moment, as a process manager's restart delay leaves it.
                await Task.Delay(TimeSpan.FromSeconds(0.5 + 2.5 * random.NextDouble()));
                victim.Start();
                nextKill = DateTime.UtcNow + KillInterval();
            }
            if (DateTime.UtcNow >= nextProgress)
            {
                Progress($"{writer.Started}/{settings.Frames} written, {await DoneAsync(frames)} done, {kills} workers killed");
                nextProgress = DateTime.UtcNow.AddSeconds(15);
            }
        }
    }

    private async Task RestartAsync(string server, int written, Func<Task> restart)
    {
        string what = $"{server} restarted at {written} frames written ({Number(settings.OutageSeconds, "0.#")} s down)";
        Progress(what);
        await restart();
        events.Add(what);
    }

    private TimeSpan Outage => TimeSpan.FromSeconds(settings.OutageSeconds);

    private TimeSpan KillInterval() => TimeSpan.FromSeconds(settings.KillEverySeconds * (0.5 + random.NextDouble()));

    /// <summary>A role process that ended without being killed is a finding: counted, reported, and started again as a
    /// process manager would.</summary>
    private async Task RestartCrashedAsync()
    {
        foreach (var slot in fleet!.All)
        {
            if (slot.Process!.Exited is not { } why) continue;
            slot.UnexpectedExits++;
            Progress($"{slot.Name} ended on its own: {why} ({slot.Log}); starting it again");
            await slot.Process.DisposeAsync();
            slot.Start();
        }
    }

    /// <summary>Waits until every file has a terminal row and nothing is Acquired, no sooner than a slow writer's last
    /// change could still turn a failed frame back to Acquired; returns the last completion time.</summary>
    private async Task<DateTimeOffset?> DrainAsync(SoakWriter writer, FrameStore frames, TimeSpan invalidGrace)
    {
        var settleUntil = writer.LastWrite + TimeSpan.FromSeconds(settings.StableSeconds) + invalidGrace + TimeSpan.FromSeconds(2 * JanitorIntervalSeconds);
        var until = writer.LastWrite + TimeSpan.FromSeconds(settings.DrainSeconds);
        var nextProgress = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            await RestartCrashedAsync();
            var rows = await TryListAsync(frames);
            var now = DateTimeOffset.UtcNow;
            if (rows is not null && now >= settleUntil && FrameOutcomes.Settled(writer.Written, rows))
                return LastCompletion(rows);
            if (now >= until)
            {
                Progress($"drain: not settled {settings.DrainSeconds} s after the last write; counting what there is");
                return rows is null ? null : LastCompletion(rows);
            }
            if (DateTime.UtcNow >= nextProgress && rows is not null)
            {
                Progress($"drain: {rows.Count(r => FrameStates.Terminal.Contains(r.State))}/{settings.Frames} done, {rows.Count(r => r.State == FrameStates.Acquired)} acquired");
                nextProgress = DateTime.UtcNow.AddSeconds(15);
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static DateTimeOffset? LastCompletion(IReadOnlyList<FrameRow> rows) =>
        rows.Select(r => r.CompletedAt).OfType<string>().Select(t => (DateTimeOffset?)DateTimeOffset.Parse(t, CultureInfo.InvariantCulture)).Max();

    private static async Task<IReadOnlyList<FrameRow>?> TryListAsync(FrameStore frames)
    {
        try
        {
            return await frames.ListAsync();
        }
        catch (DbException)
        {
            // The database is restarting; the next poll reads again.
            return null;
        }
    }

    private static async Task<string> DoneAsync(FrameStore frames)
    {
        var rows = await TryListAsync(frames);
        return rows is null ? "?" : rows.Count(r => FrameStates.Terminal.Contains(r.State)).ToString(CultureInfo.InvariantCulture);
    }

    private void Print(FrameOutcomes c, SoakWriter writer, DateTimeOffset? lastDone, TimeSpan wall)
    {
        var o = console.Out;
        double? span = lastDone is { } last ? (last - writer.FirstWrite).TotalSeconds : null;
        int crashed = fleet!.All.Sum(s => s.UnexpectedExits);
        o.WriteLine($"soak: {settings.Frames} frames {settings.Size}x{settings.Size}, 1 watcher + {settings.Workers} segment workers (1 thread each), RabbitMQ + PostgreSQL, lease {settings.LeaseSeconds} s");
        o.WriteLine($"acquired    {c.Acquired,6}  files written ({writer.Stalled} by slow writers, {writer.StalledPastGrace} of them stalled past the stability window and the TIFF check's grace)");
        o.WriteLine($"segmented   {c.Segmented,6}");
        o.WriteLine($"flagged     {c.Flagged,6}");
        o.WriteLine($"failed      {c.Failed,6}{string.Concat(c.FailureReasons.Select(r => $"\n              {r.Value} x {r.Key}"))}");
        o.WriteLine($"lost        {c.Lost,6}");
        o.WriteLine($"duplicated  {c.Duplicated,6}");
        o.WriteLine($"ambiguous   {c.Ambiguous,6}");
        o.WriteLine($"frames/s    {(span is double s && s > 0 ? Number(c.Acquired / s, "0.00") : "-"),6}  (first write to last terminal state: {(span is double t ? Number(t, "0.0") : "-")} s)");
        o.WriteLine($"wall time   {Number(wall.TotalSeconds, "0"),6} s");
        o.WriteLine($"chaos       {kills} segment workers killed (SIGKILL) and restarted; {string.Join("; ", events.DefaultIfEmpty("no server restart (the run ended first)"))}");
        o.WriteLine($"recovery    {c.Republished} frames published more than once (janitor, rescans); {c.LeftoverTempFiles} temporary files left by killed writers; {crashed} role processes ended on their own");
        foreach (string p in c.Problems.Take(20)) o.WriteLine("  " + p);
        o.WriteLine(c.Clean ? "soak passed: 0 lost, 0 duplicated, 0 ambiguous" : $"soak FAILED: {c.Lost} lost, {c.Duplicated} duplicated, {c.Ambiguous} ambiguous");
    }

    private void Progress(string line) => console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
