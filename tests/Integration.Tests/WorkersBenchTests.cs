using System.Globalization;
using System.Text.RegularExpressions;
using AcqSeg.TestSupport;
using Npgsql;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// `acqseg bench --service N --workers 1,2` (issue 23) on the test's RabbitMQ and PostgreSQL with a handful of tiny
/// frames: a watcher and 1, then 2, segment worker processes; the table must have its columns and a row per worker
/// count, and every frame must have been segmented exactly once. Its timings mean nothing at this size and are not
/// checked; the figures come from a real run (README, Speed).
/// </summary>
public sealed partial class WorkersBenchTests
{
    private const string Header = "| workers | frames | frames/s | speed-up vs 1 worker | s per frame per worker | network s | other stages s | bus, database, waiting s | overhead s |";

    [SkippableFact]
    public async Task BenchWorkers1And2_SixTinyFrames_PrintsARowPerWorkerCountAndEveryFrameSegmentedOnce()
    {
        string bus = Servers.RabbitMqBus, db = Servers.Postgres;
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        // A soak restarting the servers (another test project) waits until this run is over.
        using var servers = await ServerRestartLock.SharedAsync();

        var run = await ChildProcess.RunAsync(ChildProcess.DotnetHost(),
        [
            Path.Combine(AppContext.BaseDirectory, "acqseg.dll"), "bench", "--service", "6", "--service-size", "64", "--workers", "1,2",
            "--bus", bus, "--db", db, "--model", model,
        ], TimeSpan.FromMinutes(5));
        string output = run.Output + "\n" + run.Error;

        Assert.True(run.ExitCode == 0, $"acqseg bench exited with {run.ExitCode}:\n{output}");
        var lines = run.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.IndexOf(Header);
        Assert.True(header >= 0, $"no table header in:\n{output}");
        Assert.Equal("|---|---|---|---|---|---|---|---|---|", lines[header + 1]);
        for (int i = 0; i < 2; i++)
        {
            string[] cells = lines[header + 2 + i].Split('|')[1..^1].Select(c => c.Trim()).ToArray();
            Assert.Equal(9, cells.Length);
            Assert.Equal((i + 1).ToString(CultureInfo.InvariantCulture), cells[0]);
            Assert.Equal("6", cells[1]);
            // Every figure is there (a '-' would mean missing completions or timings); positive where it cannot be else.
            double[] figures = cells[2..].Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(figures[0] > 0 && figures[2] > 0 && figures[3] > 0, lines[header + 2 + i]);
            if (i == 0) Assert.Equal("1.00", cells[3]);
        }
        Assert.Matches(CoresLine(), run.Output);

        for (int workers = 1; workers <= 2; workers++)
        {
            var m = Regex.Match(run.Output, $@"^workers {workers}: (\d+) frames written \((\d+) warm-up, 6 timed\); segmented (\d+), flagged (\d+), failed 0; lost 0, duplicated 0, ambiguous 0$",
                RegexOptions.Multiline);
            Assert.True(m.Success, $"no clean count for {workers} workers in:\n{output}");
            int written = Int(m, 1), warmUp = Int(m, 2);
            Assert.True(warmUp >= workers, $"{warmUp} warm-up frames for {workers} workers");
            Assert.Equal(written, warmUp + 6);
            Assert.Equal(written, Int(m, 3) + Int(m, 4));
        }

        // A clean run leaves no database behind (the progress lines name them).
        var made = DatabaseName().Matches(run.Error).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal(2, made.Count);
        await using var c = new NpgsqlConnection(db);
        await c.OpenAsync();
        foreach (string name in made)
        {
            await using var q = new NpgsqlCommand("SELECT COUNT(*) FROM pg_database WHERE datname = @n", c);
            q.Parameters.AddWithValue("n", name);
            Assert.Equal(0L, (long)(await q.ExecuteScalarAsync())!);
        }
    }

    private static int Int(Match m, int group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^cores: \d+; load average \(1, 5, 15 min\) [\d.]+ [\d.]+ [\d.]+ at the start: (HIGH|low)", RegexOptions.Multiline)]
    private static partial Regex CoresLine();

    [GeneratedRegex(@"and database (acqseg_bench_n\d_\w+);")]
    private static partial Regex DatabaseName();
}
