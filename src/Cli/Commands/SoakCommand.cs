using System.CommandLine;
using AcqSeg.AllRolesHost;
using AcqSeg.Cli.Fleet;
using AcqSeg.Cli.Soak;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg soak --bus rabbitmq://... --db "Host=..."`: frames through separate watcher and segment worker processes on
/// real RabbitMQ and PostgreSQL while workers are killed and the servers restarted; prints what became of every
/// frame and exits 1 unless none was lost, duplicated or left in other than one terminal state.
/// </summary>
public static class SoakCommand
{
    public static Command Create(CliConsole console)
    {
        var bus = new Option<string>("--bus") { Description = "RabbitMQ as rabbitmq://user:pass@host:port/ (the soak makes its own virtual host on it)", Required = true };
        var db = new Option<string>("--db") { Description = "PostgreSQL connection of a user who may CREATEDB (the soak makes its own database)", Required = true };
        var frames = new Option<int>("--frames") { Description = "Frames to write", DefaultValueFactory = _ => 2000 };
        var size = new Option<int>("--size") { Description = "Frame height and width in pixels", DefaultValueFactory = _ => 64 };
        var workers = new Option<int>("--workers") { Description = "Segment worker processes (one thread each)", DefaultValueFactory = _ => 3 };
        var rate = new Option<double>("--rate") { Description = "Frames written per second (keep it near what the workers manage, or the queue and the janitor's copies grow)", DefaultValueFactory = _ => 5 };
        var slowEvery = new Option<int>("--slow-every") { Description = "Every Nth frame is written by a slow writer that stalls halfway", DefaultValueFactory = _ => 25 };
        var stable = new Option<double>("--stable-seconds") { Description = "The watcher's stability window", DefaultValueFactory = _ => RunSettings.DefaultStableFor.TotalSeconds };
        var killEvery = new Option<double>("--kill-every") { Description = "Mean seconds between SIGKILLs of a random segment worker", DefaultValueFactory = _ => 20 };
        var lease = new Option<int>("--lease-seconds") { Description = "Watcher:RepublishLeaseSeconds: an Acquired frame is published again this long after its last publish", DefaultValueFactory = _ => 60 };
        var outage = new Option<double>("--outage-seconds") { Description = "How long RabbitMQ and PostgreSQL stay down in their restart", DefaultValueFactory = _ => 5 };
        var drain = new Option<double>("--drain-seconds") { Description = "After the last write, frames not in a terminal state by then count as lost", DefaultValueFactory = _ => 300 };
        var model = new Option<string?>("--model") { Description = "Zoo name or .pth path (default: the reference synthetic-nuclei weights in ../shared)" };
        var node = new Option<string>("--rabbitmq-node")
        {
            Description = "The node rabbitmqctl drives (virtual host, restart)",
            DefaultValueFactory = _ => ServerAccess.LocalRabbitMqNode,
        };
        var cluster = new Option<string>("--postgres-cluster") { Description = "VERSION/NAME of the cluster pg_ctlcluster restarts", DefaultValueFactory = _ => "15/main" };
        var work = new Option<string?>("--work") { Description = "Folder for the frames, outputs and logs (default: a new temporary folder)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the write styles, stalls and kill times", DefaultValueFactory = _ => 1 };
        var keep = new Option<bool>("--keep") { Description = "Keep the folder, database and virtual host after a clean run too" };

        var cmd = new Command("soak", "Reliability soak: frames through a watcher and segment worker processes on RabbitMQ and PostgreSQL while workers are killed and the servers restarted")
        {
            bus, db, frames, size, workers, rate, slowEvery, stable, killEvery, lease, outage, drain, model, node, cluster, work, seed, keep,
        };
        cmd.SetAction(r =>
        {
            var access = ServerAccess.Parse(r.GetValue(bus)!, r.GetValue(db)!, r.GetValue(node)!, "the soak runs separate processes on one broker");
            string clusterValue = r.GetValue(cluster)!;
            if (clusterValue.Split('/') is not [{ Length: > 0 }, { Length: > 0 }]) throw new UsageException($"--postgres-cluster '{clusterValue}': give VERSION/NAME as pg_lsclusters lists it, e.g. 15/main");
            var (modelName, modelPath) = r.GetValue(model) is { } m ? ModelLocator.ForService(m) : ReferenceModel();
            var settings = new SoakSettings
            {
                Bus = access.Bus,
                Database = access.Database,
                ModelName = modelName,
                ModelPath = modelPath,
                Work = r.GetValue(work) ?? Path.Combine(Path.GetTempPath(), $"acqseg-soak-{Environment.ProcessId}"),
                Frames = Within(r.GetValue(frames), 1, 1_000_000, "--frames"),
                Size = Within(r.GetValue(size), 32, 2048, "--size"),
                Workers = Within(r.GetValue(workers), 1, 64, "--workers"),
                Rate = Within(r.GetValue(rate), 0.01, 1000, "--rate"),
                SlowEvery = Within(r.GetValue(slowEvery), 2, 1_000_000, "--slow-every"),
                StableSeconds = Within(r.GetValue(stable), 0.1, 60, "--stable-seconds"),
                KillEverySeconds = Within(r.GetValue(killEvery), 1, 3600, "--kill-every"),
                LeaseSeconds = Within(r.GetValue(lease), 5, 86_400, "--lease-seconds"),
                OutageSeconds = Within(r.GetValue(outage), 0, 600, "--outage-seconds"),
                DrainSeconds = Within(r.GetValue(drain), 10, 86_400, "--drain-seconds"),
                RabbitMqNode = access.RabbitMqNode,
                PostgresCluster = clusterValue,
                Seed = r.GetValue(seed),
                Keep = r.GetValue(keep),
            };
            try
            {
                return new SoakRun(settings, console).RunAsync().GetAwaiter().GetResult();
            }
            catch (FleetException ex)
            {
                console.Error.WriteLine($"acqseg soak: {ex.Message}");
                return CliApp.UsageError;
            }
        });
        return cmd;
    }

    private static T Within<T>(T value, T min, T max, string option) where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0 || (value is double d && double.IsNaN(d)))
            throw new UsageException($"{option} {value} must be {min}-{max}");
        return value;
    }

    private static (string Name, string Path) ReferenceModel()
    {
        string reference = Path.Combine(DemoCommand.SharedFolder(), "reference", "cellpose-v2", "cpnet_synth_e40.pth");
        if (!File.Exists(reference)) throw new UsageException($"no soak model: '{reference}' is missing; give --model NAME or a .pth path");
        return ("cpnet_synth_e40", reference);
    }
}
