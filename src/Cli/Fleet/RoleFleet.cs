using System.Globalization;
using AcqSeg.Cli.Hitl;

namespace AcqSeg.Cli.Fleet;

/// <summary>What a fleet runs: its servers (the run's own virtual host and database), model, folders and workers.</summary>
/// <param name="RunArguments">more `acqseg run` arguments for every role (e.g. --exact)</param>
/// <param name="WatcherEnvironment">more configuration of the watcher (Section__Key=value)</param>
internal sealed record FleetLayout(
    string Bus, string Database, string ModelPath, string WatchRoot, string Output, string Logs, int Workers, double StableSeconds,
    IReadOnlyList<string> RunArguments, IReadOnlyDictionary<string, string> WatcherEnvironment);

/// <summary>
/// The product as it is deployed, as child processes of this program: one watcher (`acqseg run --role watcher`, with its
/// janitor) and N segment workers (`acqseg run --role segment-worker`) of one thread each, on one broker and database,
/// each with its own /health and /metrics port and log file. Used by `acqseg soak` and `acqseg bench --workers`.
/// </summary>
internal sealed class RoleFleet(FleetLayout layout)
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromMinutes(3);
    private readonly List<RoleProcess> workers = [];
    private RoleProcess? watcher;

    /// <summary>
    /// A segment worker's environment: libtorch's (OpenMP, MKL) and .NET's thread pools sized for one core, so that N
    /// workers use N cores. No zoo: an acquisition's first frame gets --model, not a style choice among the zoo's models.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> OneThread = new Dictionary<string, string>
    {
        ["OMP_NUM_THREADS"] = "1",
        ["MKL_NUM_THREADS"] = "1",
        ["DOTNET_PROCESSOR_COUNT"] = "1",
        ["Models__ZooRoot"] = "",
    };

    /// <summary>How the one-thread limit is made, for the figures' headers.</summary>
    public const string OneThreadDescription = "OMP_NUM_THREADS=1, MKL_NUM_THREADS=1, DOTNET_PROCESSOR_COUNT=1";

    public RoleProcess Watcher => watcher ?? throw new InvalidOperationException("the fleet has not started");

    public IReadOnlyList<RoleProcess> Workers => workers;

    /// <summary>The watcher first, then the workers.</summary>
    public IEnumerable<RoleProcess> All => workers.Prepend(Watcher);

    public void Start()
    {
        string[] common = ["--out", layout.Output, "--model", layout.ModelPath, "--bus", layout.Bus, "--db", layout.Database, "--device", "cpu",
            "--stable-seconds", layout.StableSeconds.ToString("0.###", CultureInfo.InvariantCulture), .. layout.RunArguments];
        // The registry reads the same (empty) zoo as the workers.
        var watcherEnvironment = new Dictionary<string, string>(layout.WatcherEnvironment) { ["Models__ZooRoot"] = "" };
        watcher = new RoleProcess("watcher", ["run", "--role", "watcher", "--watch", layout.WatchRoot, .. common], watcherEnvironment,
            Path.Combine(layout.Logs, "watcher.log"));
        watcher.Start();
        for (int i = 1; i <= layout.Workers; i++)
        {
            var worker = new RoleProcess($"worker{i}", ["run", "--role", "segment-worker", .. common], OneThread, Path.Combine(layout.Logs, $"worker{i}.log"));
            worker.Start();
            workers.Add(worker);
        }
    }

    /// <summary>Waits until every process answers /health; a process that ends or stays silent is a <see cref="FleetException"/>.</summary>
    public async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + HealthTimeout;
        foreach (var role in All)
        {
            while (true)
            {
                if (role.Process!.Exited is { } why) throw new FleetException($"{role.Name}: {why} ({role.Log})");
                try
                {
                    if ((await http.GetAsync($"{role.Address}/health")).IsSuccessStatusCode) break;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }
                if (DateTime.UtcNow > until) throw new FleetException($"{role.Name} did not answer /health within {HealthTimeout.TotalMinutes:0} minutes; see {role.Log}");
                await Task.Delay(500);
            }
        }
    }

    /// <summary>Stops every process that runs (SIGTERM, then a kill after 30 s).</summary>
    public async Task StopAsync()
    {
        foreach (var role in workers.Prepend(watcher).OfType<RoleProcess>())
        {
            if (role.Process is not null) await role.Process.DisposeAsync();
        }
    }
}

/// <summary>One role process and the command that starts it again (each start on a new free port).</summary>
internal sealed class RoleProcess(string name, string[] args, IReadOnlyDictionary<string, string> environment, string log)
{
    public string Name => name;
    public string Log => log;
    public ServiceProcess? Process { get; private set; }
    public int Port { get; private set; }

    /// <summary>Where its /health and /metrics answer.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Times it ended on its own (counted by whoever restarts it).</summary>
    public int UnexpectedExits { get; set; }

    public void Start()
    {
        Port = ServiceProcess.FreePort();
        Process = ServiceProcess.Start([.. args, "--http", $"127.0.0.1:{Port}"], environment, log);
    }

    /// <summary>SIGKILL, as a crash ends it.</summary>
    public async Task KillAsync()
    {
        Process!.Kill();
        await Process.DisposeAsync();
    }
}
