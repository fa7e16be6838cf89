using System.Globalization;
using System.Text.RegularExpressions;
using AcqSeg.TestSupport;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// `acqseg soak` at 200 frames (issue 20, item 8): a watcher and three segment worker processes on the test's RabbitMQ
/// and PostgreSQL, workers killed with SIGKILL, the broker and the database restarted once each, slow writers; every
/// frame must end in exactly one terminal state with one set of outputs. The 2,000-frame figures are in docs/soak.md.
/// </summary>
[Collection(ServerRestarts.Name)]
public sealed partial class SoakTests
{
    [SkippableFact]
    public async Task Soak200Frames_WorkersKilledAndServersRestarted_NothingLostDuplicatedOrAmbiguous()
    {
        string bus = Servers.RabbitMqBus, db = Servers.Postgres;
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-it-soak");
        // Other test projects' PostgreSQL tests wait while this one restarts the servers (ServerRestartLock).
        using var restarts = await ServerRestartLock.ExclusiveAsync();
        var run = await ChildProcess.RunAsync(ChildProcess.DotnetHost(),
        [
            Path.Combine(AppContext.BaseDirectory, "acqseg.dll"), "soak", "--bus", bus, "--db", db, "--model", model, "--work", tmp.Sub("soak"),
            "--frames", "200", "--rate", "5", "--slow-every", "10", "--stable-seconds", "1", "--kill-every", "6", "--lease-seconds", "10",
            "--outage-seconds", "3", "--drain-seconds", "90",
        ], TimeSpan.FromMinutes(4));
        // The restart killed every PostgreSQL connection this test process keeps in its pools (other tests' admin
        // connections); the next test to take one got "57P01: terminating connection due to administrator command".
        Npgsql.NpgsqlConnection.ClearAllPools();
        string output = run.Output + "\n" + run.Error;

        Assert.True(run.ExitCode == 0, $"acqseg soak exited with {run.ExitCode}:\n{output}");
        Assert.Equal(200, Figure(run.Output, "acquired"));
        Assert.Equal(200, Figure(run.Output, "segmented") + Figure(run.Output, "flagged") + Figure(run.Output, "failed"));
        Assert.Equal(0, Figure(run.Output, "lost"));
        Assert.Equal(0, Figure(run.Output, "duplicated"));
        Assert.Equal(0, Figure(run.Output, "ambiguous"));
        // The chaos took place: otherwise the zeros prove nothing.
        Assert.Contains("RabbitMQ restarted", run.Output);
        Assert.Contains("PostgreSQL restarted", run.Output);
        Assert.True(int.Parse(KillsLine().Match(run.Output).Groups[1].Value, CultureInfo.InvariantCulture) > 0, output);
        Assert.Contains("soak passed", run.Output);
    }

    private static int Figure(string output, string name)
    {
        var m = Regex.Match(output, $@"^{name}\s+(\d+)", RegexOptions.Multiline);
        Assert.True(m.Success, $"no '{name}' line in:\n{output}");
        return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^chaos\s+(\d+) segment workers killed", RegexOptions.Multiline)]
    private static partial Regex KillsLine();
}

/// <summary>
/// Tests that restart the shared RabbitMQ and PostgreSQL run alone, after the others: a restart mid-suite cut the
/// connections of the tests beside it (a database-outage test failed with "terminating connection due to
/// administrator command").
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerRestarts
{
    public const string Name = "server restarts";
}
