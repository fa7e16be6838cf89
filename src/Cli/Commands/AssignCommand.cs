using System.CommandLine;
using AcqSeg.Models;
using AcqSeg.Models.Assignment;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg assign ACQUISITION MODEL --db DB`: the acquisition's next frames use MODEL (an operator's choice
/// wins over configuration rules and suggestions). The same path as the AssignModel command's consumer
/// (<see cref="ModelAssignments.AssignAsync"/>), run against the service's database.</summary>
public static class AssignCommand
{
    public static Command Create(CliConsole console)
    {
        var acquisition = new Argument<string>("acquisition") { Description = "Acquisition id (watched folder name plus sub-folder, e.g. run42/plate1)" };
        var model = new Argument<string>("model") { Description = "Model lineage name (a zoo model, or a lineage the service knows)" };
        var db = new Option<string>("--db") { Description = "SQLite file or PostgreSQL connection of the running service", Required = true };
        var cmd = new Command("assign", "Assign a model to an acquisition") { acquisition, model, db };
        cmd.SetAction(r =>
        {
            string acq = r.GetValue(acquisition)!.Trim();
            string name = r.GetValue(model)!.Trim();
            if (acq.Length == 0 || name.Length == 0) throw new UsageException("acquisition and model must not be empty");
            var database = CliDatabase.Open(r.GetValue(db)!, mustExist: true);
            var store = new ModelStore(database);
            var catalog = new ModelCatalog(Options.Create(new ModelsOptions { ZooRoot = ModelLocator.ZooRoot() ?? "" }), store);
            var assignments = new ModelAssignments(store, catalog, Options.Create(new ModelChoiceOptions()));
            try
            {
                assignments.AssignAsync(acq, name, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (ModelNotFoundException ex)
            {
                throw new UsageException($"{name}: {ex.Message}");
            }
            console.Out.WriteLine($"{acq} -> {name}");
            return CliApp.Ok;
        });
        return cmd;
    }
}
