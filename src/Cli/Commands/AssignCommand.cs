using System.CommandLine;
using AcqSeg.Persistence;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg assign ACQUISITION MODEL --db DB`: the acquisition's next frames use MODEL (an operator's choice
/// wins over configuration rules and suggestions).</summary>
public static class AssignCommand
{
    public static Command Create(CliConsole console)
    {
        var acquisition = new Argument<string>("acquisition") { Description = "Acquisition id (watched folder name plus sub-folder, e.g. run42/plate1)" };
        var model = new Argument<string>("model") { Description = "Model lineage name" };
        var db = new Option<string>("--db") { Description = "SQLite file or PostgreSQL connection of the running service", Required = true };
        var cmd = new Command("assign", "Assign a model to an acquisition") { acquisition, model, db };
        cmd.SetAction(r =>
        {
            string acq = r.GetValue(acquisition)!.Trim();
            string name = r.GetValue(model)!.Trim();
            if (acq.Length == 0 || name.Length == 0) throw new UsageException("acquisition and model must not be empty");
            var database = CliDatabase.Open(r.GetValue(db)!, mustExist: true);
            new ModelStore(database).AssignAsync(acq, name, "operator").GetAwaiter().GetResult();
            console.Out.WriteLine($"{acq} -> {name}");
            return CliApp.Ok;
        });
        return cmd;
    }
}
