using System.CommandLine;
using AcqSeg.AllRolesHost;
using AcqSeg.Engine.Inference;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg run --watch DIR [--watch DIR...] --out DIR [...]`: every pipeline role in one process, or one role
/// (`--role watcher`, `--role segment-worker`) so that several processes share a broker and a database.</summary>
public static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var watch = new Option<string[]>("--watch") { Description = "Acquisition folder to watch (repeatable; needed unless --role segment-worker)", AllowMultipleArgumentsPerToken = false };
        var outDir = new Option<string>("--out") { Description = "Output root (masks, flows, outlines, CSVs, the default database)", Required = true };
        var model = new Option<string?>("--model") { Description = "Zoo name or .pth path for every acquisition nobody assigned with `acqseg assign`; without it, each acquisition gets the model its first frame's style suggests (cyto where no suggestion is possible)" };
        var bus = new Option<string>("--bus") { Description = "memory or rabbitmq://user:pass@host:port/vhost", DefaultValueFactory = _ => "memory" };
        var db = new Option<string?>("--db") { Description = "SQLite file or PostgreSQL connection (default OUT/acqseg.db)" };
        var http = new Option<string>("--http") { Description = "host:port for the review API, /metrics and /health", DefaultValueFactory = _ => "127.0.0.1:5080" };
        var idle = new Option<double?>("--exit-when-idle") { Description = "Exit once nothing has been pending for this many seconds" };
        var device = new Option<string>("--device") { Description = "cpu (default), auto, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var stable = new Option<double>("--stable-seconds") { Description = "A file counts once unchanged for this long", DefaultValueFactory = _ => RunSettings.DefaultStableFor.TotalSeconds };
        var saveFlows = new Option<bool>("--save-flows")
        {
            Description = "Also keep each frame's X_flows.tif (dY, dX, cell probability; 12 bytes a pixel), which the review editor's flows and cell-probability views show",
        };
        var role = new Option<string>("--role")
        {
            Description = "all (watcher, segment worker, train worker, review API), watcher (with its janitor) or segment-worker; " +
                "one-role processes need a shared --bus rabbitmq://... and a PostgreSQL --db",
            DefaultValueFactory = _ => "all",
        };
        role.AcceptOnlyFromAmong(RoleNames.Keys.ToArray());

        var cmd = new Command("run", "Watch acquisition folders and segment new frames live (watcher, workers, review API in one process)")
        {
            watch, outDir, model, bus, db, http, idle, device, stable, saveFlows, role,
        };
        var path = new NetworkPathOptions();
        foreach (var o in path.All) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            var serviceRole = RoleNames[r.GetValue(role)!];
            var folders = r.GetValue(watch) ?? [];
            if (folders.Length == 0 && serviceRole != ServiceRole.SegmentWorker)
                throw new UsageException($"--watch is required with --role {r.GetValue(role)}: give the acquisition folder(s) to watch");
            foreach (string f in folders)
            {
                if (!Directory.Exists(f)) throw new UsageException($"--watch '{f}': folder not found; create it or fix the path");
            }
            string output = OutDirOption.Prepare(new DirectoryInfo(r.GetValue(outDir)!))!;
            string modelArg = r.GetValue(model) ?? "cyto";
            var (modelName, modelPath) = ModelLocator.ForService(modelArg);
            try
            {
                if (!BusOptions.Parse(r.GetValue(bus)!).IsRabbitMq && serviceRole != ServiceRole.All)
                    throw new UsageException($"--role {r.GetValue(role)} needs --bus rabbitmq://user:pass@host:port/vhost: on the in-memory bus no other process hears this one");
            }
            catch (FormatException ex)
            {
                throw new UsageException($"--bus: {ex.Message}");
            }
            double? idleSeconds = r.GetValue(idle);
            if (idleSeconds is < 0 or double.NaN) throw new UsageException($"--exit-when-idle {idleSeconds} must be >= 0 seconds");
            if (idleSeconds is not null && serviceRole != ServiceRole.All)
                throw new UsageException("--exit-when-idle needs --role all: one role alone cannot tell whether the pipeline is idle");
            double stableSeconds = r.GetValue(stable);
            if (stableSeconds is < 0 or > 3600 or double.NaN) throw new UsageException($"--stable-seconds {stableSeconds} must be 0-3600");
            var (fast, _, tiles) = path.Read(r);
            var settings = new RunSettings
            {
                Exact = !fast,
                Precision = r.GetValue(path.Precision)!,
                FastTiles = tiles.Name(),
                WatchFolders = folders,
                OutputFolder = output,
                ModelName = modelName,
                ModelPath = modelPath,
                ZooRoot = ModelLocator.ZooRoot(),
                ModelForEveryAcquisition = r.GetValue(model) is not null,
                Role = serviceRole,
                Bus = r.GetValue(bus)!,
                Database = r.GetValue(db),
                Http = r.GetValue(http)!,
                Device = r.GetValue(device)!,
                ExitWhenIdle = idleSeconds is double s ? TimeSpan.FromSeconds(s) : null,
                StableFor = TimeSpan.FromSeconds(stableSeconds),
                SaveFlows = r.GetValue(saveFlows),
            };
            return Run(console, settings);
        });
        return cmd;
    }

    private static readonly Dictionary<string, ServiceRole> RoleNames = new(StringComparer.Ordinal)
    {
        ["all"] = ServiceRole.All,
        ["watcher"] = ServiceRole.Watcher,
        ["segment-worker"] = ServiceRole.SegmentWorker,
    };

    private static int Run(CliConsole console, RunSettings settings)
    {
        // Before any host starts: a database that cannot be opened is one line, not a host's crash.
        CliDatabase.Open(settings.DatabaseConnection);
        BrokerPreflight.Require(settings.Bus);
        var app = AcqSegHost.Build(settings);
        var frames = app.Services.GetRequiredService<FrameStore>();
        try
        {
            app.Run();
        }
        catch (OptionsValidationException ex)
        {
            console.Error.WriteLine($"acqseg run: {string.Join("; ", ex.Failures)}");
            return CliApp.UsageError;
        }
        // One role's process is part of a pipeline: the frames' states are the pipeline's, not its own outcome.
        if (settings.Role != ServiceRole.All) return CliApp.Ok;
        var counts = frames.CountByStateAsync().GetAwaiter().GetResult();
        console.Out.WriteLine("frames: " + string.Join(", ", counts.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}")));
        return counts.GetValueOrDefault(FrameStates.Failed) > 0 ? CliApp.InputFailed : CliApp.Ok;
    }
}
