using System.CommandLine;
using AcqSeg.Persistence;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg requeue --db DB [--state Failed|Acquired] [--acquisition PATTERN] [--reason TEXT] [--dry-run]`: failed
/// frames go back to Acquired, each exactly once, and the running service's janitor (in the watcher) publishes them
/// within Watcher:JanitorIntervalSeconds. With --state Acquired, frames stuck in Acquired are published at once
/// instead of when their lease runs out.
/// </summary>
public static class RequeueCommand
{
    public static Command Create(CliConsole console)
    {
        var db = new Option<string>("--db") { Description = "SQLite file or PostgreSQL connection of the service", Required = true };
        var state = new Option<string>("--state") { Description = "Failed (segment again) or Acquired (publish again now)", DefaultValueFactory = _ => FrameStates.Failed };
        var acquisition = new Option<string?>("--acquisition") { Description = "Only this acquisition (* matches any text, e.g. 'run42/*')" };
        var reason = new Option<string?>("--reason") { Description = "Only frames whose failure reason contains this text (any case), e.g. 'cannot write'" };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the frames that would be requeued and change nothing" };
        var cmd = new Command("requeue", "Segment failed frames again (after fixing what failed them), each exactly once") { db, state, acquisition, reason, dryRun };
        cmd.SetAction(r =>
        {
            string s = r.GetValue(state)!.Trim();
            string? chosen = new[] { FrameStates.Failed, FrameStates.Acquired }.FirstOrDefault(x => string.Equals(x, s, StringComparison.OrdinalIgnoreCase));
            if (chosen is null)
                throw new UsageException($"--state '{s}': only Failed frames (to segment again) and Acquired ones (to publish again now) can be requeued");
            string? acq = Blank(r.GetValue(acquisition)), why = Blank(r.GetValue(reason));
            bool dry = r.GetValue(dryRun);
            var frames = new FrameStore(CliDatabase.Open(r.GetValue(db)!, mustExist: true));
            var rows = frames.RequeueAsync(chosen, acq, why, dry).GetAwaiter().GetResult();
            foreach (var f in rows) console.Out.WriteLine($"{f.Id}  {f.Acquisition}  {f.Path}{(dry && f.Reason is not null ? "  (" + f.Reason + ")" : "")}");
            string filter = (acq is null ? "" : $" in '{acq}'") + (why is null ? "" : $" with a reason containing '{why}'");
            console.Out.WriteLine(dry
                ? $"{rows.Count} {chosen} frame(s){filter} would be requeued (dry run; nothing changed)"
                : $"{rows.Count} {chosen} frame(s){filter} requeued; the running service publishes them within its janitor interval (Watcher:JanitorIntervalSeconds, 10 s by default)");
            return CliApp.Ok;
        });
        return cmd;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
