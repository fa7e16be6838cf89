using System.Globalization;
using AcqSeg.Cli.Diagnostics;
using AcqSeg.Cli.Fleet;
using AcqSeg.Persistence;

namespace AcqSeg.Cli.Commands;

/// <summary>What `acqseg bench --service N --workers ...` was asked for.</summary>
internal sealed record WorkersBenchSettings(ServerAccess Servers, string ModelPath, IReadOnlyList<int> Workers, int Frames, int Size, bool Exact);

/// <summary>
/// `acqseg bench --service N --workers 1,2`: frames/s of the pipeline as it is deployed (one watcher process and N
/// segment worker processes of one thread each, RabbitMQ, PostgreSQL; <see cref="RoleFleet"/>) for each N, and where a
/// frame's time goes. Each N runs on its own virtual host and database. The workers are warmed up first: warm-up frames
/// go in, N at a time, until every worker's /metrics shows a segmented frame (its model loaded, its first convolutions
/// behind it). Then the N timed frames are dropped into the watched folder at once, and throughput is read from their
/// completion times in the database: (frames - N) / (last completion - N-th completion). With N workers starting
/// together the first N completions are each worker's first frame, so the count starts once all are busy (for N = 1 it
/// is ServiceBench's spread / (frames - 1)). Per frame, the workers' own timings (frame_stats) split the wall time a
/// worker spends on a frame (N / frames/s) into the network, the other stages the worker clocks (read, normalise,
/// dynamics, flow QC, outputs) and the rest: the bus, the database and waiting for a core. The timings are the means of
/// the same frames the throughput counts (all but the first N to finish).
/// </summary>
internal sealed class WorkersBench(WorkersBenchSettings settings, CliConsole console)
{
    /// <summary>A 1-minute load average from this much up means other work held half a core or more before the bench:
    /// enough to keep two workers on two cores from their speed-up.</summary>
    private const double LoadedFrom = 0.5;
    private const string Acquisition = "bench";
    private const int WarmUpRounds = 5;
    private const double StableSeconds = 0.5;
    private static readonly TimeSpan Stalled = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private sealed record Result(int Workers, int WarmUpFrames, IReadOnlyList<DateTimeOffset> Completions, IReadOnlyList<FrameStatsRow> Stats,
        FrameOutcomes Outcomes, string? Kept)
    {
        /// <summary>(frames - N) / (last - N-th completion); null when the frames did not all finish or took no time.</summary>
        public double? FramesPerSecond
        {
            get
            {
                if (Completions.Count <= Workers) return null;
                double span = (Completions[^1] - Completions[Workers - 1]).TotalSeconds;
                return span > 0 ? (Completions.Count - Workers) / span : null;
            }
        }
    }

    public async Task<int> RunAsync()
    {
        await FleetServers.RequireReachableAsync(settings.Servers);
        string root = Path.Combine(Path.GetTempPath(), $"acqseg-workers-bench-{Environment.ProcessId}");
        string loadBefore = MachineInfo.LoadAverage(all: true);
        bool keep = false;
        try
        {
            Progress($"bench: writing {settings.Frames} frames {settings.Size}x{settings.Size} and the warm-up frames in {root}");
            var timed = ServiceBench.WriteFrames(Path.Combine(root, "staging", "timed"), settings.Frames, settings.Size);
            var warmUp = ServiceBench.WriteFrames(Path.Combine(root, "staging", "warmup"), settings.Workers.Max() * WarmUpRounds, settings.Size, "warmup", 5000);
            var results = new List<Result>();
            foreach (int n in settings.Workers)
            {
                var result = await RunOneAsync(n, Path.Combine(root, $"workers{n}"), timed, warmUp);
                keep |= result.Kept is not null;
                results.Add(result);
            }
            Print(results, loadBefore);
            return results.All(r => r.Outcomes.Clean && r.Outcomes.Failed == 0) ? CliApp.Ok : CliApp.InputFailed;
        }
        catch (FleetException)
        {
            keep = true;
            throw;
        }
        finally
        {
            if (keep) console.Error.WriteLine($"kept: {root} (frames, outputs, role logs)");
            else Directory.Delete(root, recursive: true);
        }
    }

    private async Task<Result> RunOneAsync(int workers, string dir, IReadOnlyList<string> timedSources, IReadOnlyList<string> warmUpSources)
    {
        string watchRoot = Path.Combine(dir, "watch"), output = Path.Combine(dir, "out"), logs = Path.Combine(dir, "logs");
        string folder = Path.Combine(watchRoot, Acquisition);
        foreach (string d in new[] { folder, output, logs }) Directory.CreateDirectory(d);
        var servers = new FleetServers(settings.Servers, $"bench-n{workers}", Path.Combine(logs, "servers.log"));
        await servers.CreateAsync();
        var store = new FrameStore(CliDatabase.Open(servers.Database));
        var fleet = new RoleFleet(new FleetLayout(servers.Bus, servers.Database, settings.ModelPath, watchRoot, output, logs, workers, StableSeconds,
            settings.Exact ? ["--exact"] : [], new Dictionary<string, string>()));
        Progress($"bench: 1 watcher and {workers} segment workers on virtual host {servers.VirtualHost} and database {servers.DatabaseName}; logs in {logs}");
        var written = new List<string>();
        int warmed;
        try
        {
            fleet.Start();
            await fleet.WaitHealthyAsync();
            warmed = await WarmUpAsync(fleet, store, folder, warmUpSources, written);
            var timed = Drop(timedSources, folder);
            written.AddRange(timed);
            Progress($"bench: {workers} workers warm after {warmed} frames; {timed.Count} timed frames dropped");
            await WaitSettledAsync(fleet, store, written);
        }
        finally
        {
            await fleet.StopAsync();
        }

        var rows = await store.ListAsync();
        var outcomes = FrameOutcomes.Of(written, rows, output);
        var timedPaths = written.Skip(warmed).ToHashSet(StringComparer.Ordinal);
        var timedRows = rows.Where(r => timedPaths.Contains(r.Path)).ToList();
        var finished = timedRows.Where(r => r.CompletedAt is not null)
            .Select(r => (Row: r, At: DateTimeOffset.Parse(r.CompletedAt!, CultureInfo.InvariantCulture))).OrderBy(f => f.At).ToList();
        // The timings of the frames the throughput counts: those after the first N, whose work lies between the N-th
        // completion and the last (the first N's started before it).
        var stats = new List<FrameStatsRow>();
        foreach (var (row, _) in finished.Skip(workers).Where(f => f.Row.State is FrameStates.Segmented or FrameStates.Flagged))
        {
            if (await store.GetStatsAsync(row.FrameId) is { } s) stats.Add(s);
        }
        var completions = finished.Select(f => f.At).ToList();
        string? kept = null;
        if (outcomes.Clean) await servers.DropAsync();
        else kept = $"database {servers.DatabaseName} and virtual host {servers.VirtualHost} kept";
        return new Result(workers, warmed, completions, stats, outcomes, kept);
    }

    /// <summary>
    /// Warm-up frames, N at a time, until every worker has segmented one (as its /metrics counts); returns how many went
    /// in. The broker hands a round's N frames to idle consumers in turn, so one round is usually enough.
    /// </summary>
    private async Task<int> WarmUpAsync(RoleFleet fleet, FrameStore store, string folder, IReadOnlyList<string> sources, List<string> written)
    {
        int n = fleet.Workers.Count;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var idle = new List<RoleProcess>();
        for (int round = 0; round < WarmUpRounds; round++)
        {
            written.AddRange(Drop(sources.Skip(round * n).Take(n).ToList(), folder));
            await WaitSettledAsync(fleet, store, written);
            var failed = (await store.ListAsync(FrameStates.Failed)).FirstOrDefault();
            if (failed is not null)
                throw new FleetException($"warm-up frame {failed.Path} failed ({failed.Reason}); see the workers' logs in {Path.GetDirectoryName(fleet.Watcher.Log)}");
            // A worker counts a frame just after it records the frame's state: read until the counters account for
            // every frame segmented so far.
            var counted = new double[n];
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            do
            {
                for (int i = 0; i < n; i++) counted[i] = await SegmentedAsync(http, fleet.Workers[i]);
                if (counted.Sum() >= written.Count) break;
                await Task.Delay(Poll);
            }
            while (DateTime.UtcNow < until);
            idle.Clear();
            idle.AddRange(fleet.Workers.Where((_, i) => counted[i] == 0));
            if (idle.Count == 0) return written.Count;
        }
        throw new FleetException($"after {WarmUpRounds} rounds of {n} warm-up frames, {string.Join(", ", idle.Select(w => w.Name))} had segmented none; " +
            $"see {string.Join(", ", idle.Select(w => w.Log))}");
    }

    /// <summary>The worker's acqseg_frames_segmented_total, summed over its label sets.</summary>
    private static async Task<double> SegmentedAsync(HttpClient http, RoleProcess worker)
    {
        string text;
        try
        {
            text = await http.GetStringAsync($"{worker.Address}/metrics");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new FleetException($"{worker.Name}'s /metrics did not answer ({ex.Message}); see {worker.Log}");
        }
        return text.Split('\n')
            .Where(l => l.StartsWith("acqseg_frames_segmented_total", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>Copies the frames into the acquisition folder as acquisition software does: NAME.tif.part, then a rename.</summary>
    private static List<string> Drop(IReadOnlyList<string> sources, string folder)
    {
        var targets = new List<string>();
        foreach (string source in sources)
        {
            string target = Path.Combine(folder, Path.GetFileName(source));
            File.Copy(source, target + ".part");
            File.Move(target + ".part", target);
            targets.Add(target);
        }
        return targets;
    }

    /// <summary>Until every file written has a row in a terminal state and none is Acquired. A role process that ends, or
    /// no frame finishing for <see cref="Stalled"/>, is a <see cref="FleetException"/>.</summary>
    private async Task WaitSettledAsync(RoleFleet fleet, FrameStore store, IReadOnlyList<string> written)
    {
        int done = -1;
        var lastChange = DateTime.UtcNow;
        var nextProgress = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            if (fleet.All.FirstOrDefault(r => r.Process!.Exited is not null) is { } ended)
                throw new FleetException($"{ended.Name} ended during the bench: {ended.Process!.Exited} ({ended.Log})");
            var rows = await store.ListAsync();
            if (FrameOutcomes.Settled(written, rows)) return;
            int now = rows.Count(r => FrameStates.Terminal.Contains(r.State));
            if (now != done)
            {
                done = now;
                lastChange = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - lastChange > Stalled)
            {
                throw new FleetException($"no frame finished in {Stalled.TotalMinutes:0} minutes ({done} of {written.Count} done); see the logs in {Path.GetDirectoryName(fleet.Watcher.Log)}");
            }
            if (DateTime.UtcNow >= nextProgress)
            {
                Progress($"bench: {done}/{written.Count} frames done");
                nextProgress = DateTime.UtcNow.AddSeconds(15);
            }
            await Task.Delay(Poll);
        }
    }

    private void Print(IReadOnlyList<Result> results, string loadBefore)
    {
        var o = console.Out;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(inv,
            $"{settings.Frames} frames {settings.Size}x{settings.Size} per run, {(settings.Exact ? "exact" : "fast")} path, after a warm-up in which every worker segmented a frame; " +
            $"1 watcher + N segment worker processes, one thread each ({RoleFleet.OneThreadDescription}); RabbitMQ {settings.Servers.ShownBus} and PostgreSQL '{CliDatabase.Shown(settings.Servers.Database)}', a fresh virtual host and database per run"));
        o.WriteLine($"machine: {MachineInfo.Describe()}");
        double load = double.TryParse(loadBefore.Split(' ')[0], NumberStyles.Float, inv, out double l) ? l : double.NaN;
        string verdict = load >= LoadedFrom
            ? $"HIGH (other processes wanted {load.ToString("0.#", inv)} cores' worth of time before the bench began: these are a loaded machine's figures)"
            : double.IsNaN(load) ? "unknown" : "low (a quiet machine)";
        o.WriteLine($"cores: {Environment.ProcessorCount}; load average (1, 5, 15 min) {loadBefore} at the start: {verdict}; {MachineInfo.LoadAverage(all: true)} at the end");
        o.WriteLine("| workers | frames | frames/s | speed-up vs 1 worker | s per frame per worker | network s | other stages s | bus, database, waiting s | overhead s |");
        o.WriteLine("|---|---|---|---|---|---|---|---|---|");
        double? single = results.FirstOrDefault(r => r.Workers == 1)?.FramesPerSecond;
        foreach (var r in results)
        {
            double? fps = r.FramesPerSecond;
            double? wall = fps is double f ? r.Workers / f : null;
            double? network = r.Stats.Count > 0 ? r.Stats.Average(s => s.NetworkSeconds) : null;
            double? pipeline = r.Stats.Count > 0 ? r.Stats.Average(s => s.TotalSeconds) : null;
            o.WriteLine($"| {r.Workers} | {r.Completions.Count} | {Cell(fps, "0.000")} | {Cell(fps / single, "0.00")} | {Cell(wall, "0.000")} | {Cell(network, "0.000")} | " +
                $"{Cell(pipeline - network, "0.000")} | {Cell(wall - pipeline, "0.000")} | {Cell(wall - network, "0.000")} |");
        }
        o.WriteLine("frames/s = (frames - N) / (last completion - N-th completion); s per frame per worker = N / frames/s; network and other stages " +
            "(read, normalise, dynamics, flow QC, outputs): the workers' own timings, mean over the frames after the N-th; bus, database, waiting = the rest; " +
            "overhead = s per frame per worker - network");
        foreach (var r in results)
        {
            var c = r.Outcomes;
            o.WriteLine($"workers {r.Workers}: {c.Acquired} frames written ({r.WarmUpFrames} warm-up, {c.Acquired - r.WarmUpFrames} timed); segmented {c.Segmented}, " +
                $"flagged {c.Flagged}, failed {c.Failed}; lost {c.Lost}, duplicated {c.Duplicated}, ambiguous {c.Ambiguous}{(r.Kept is null ? "" : "; " + r.Kept)}");
            foreach (string p in c.Problems.Take(10)) o.WriteLine("  " + p);
        }
    }

    private static string Cell(double? value, string format) => value is double v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private void Progress(string line) => console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
