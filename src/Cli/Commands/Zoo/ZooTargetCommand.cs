using System.CommandLine;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>
/// `acqseg zoo target NAME LABEL --folder F [--folder F...] --min AP` sets an accuracy target (mean AP@0.5 over the
/// folders), `--remove` drops it; the card states every target against the current version's recorded AP.
/// </summary>
internal static class ZooTargetCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name" };
        var label = new Argument<string>("label") { Description = "Name of the target, e.g. fluorescence" };
        var folders = new Option<string[]>("--folder") { Description = "Evaluation folder name(s) as `zoo eval` records them (their last path part)", AllowMultipleArgumentsPerToken = true };
        var min = new Option<double?>("--min") { Description = "Mean AP@0.5 the folders must reach, in (0, 1]" };
        var remove = new Option<bool>("--remove") { Description = "Remove the target with this label" };
        var zooDir = ZooOption();
        var cmd = new Command("target", "Set an accuracy target (mean AP@0.5 over evaluation folders) that the model card states against the current version")
        {
            name, label, folders, min, remove, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!, l = r.GetValue(label)!;
            string[] given = r.GetValue(folders) ?? [];
            if (r.GetValue(remove))
            {
                if (given.Length > 0 || r.GetValue(min) is not null) throw new UsageException("--remove takes only the model and the label");
                ZooCall(() => zoo.RemoveTarget(n, l));
                console.Out.WriteLine($"{n}: target '{l}' removed");
                return CliApp.Ok;
            }
            if (given.Length == 0) throw new UsageException($"target '{l}': give the folders with --folder NAME (e.g. --folder dsb2018_fluo_nuclei)");
            if (r.GetValue(min) is not { } ap) throw new UsageException($"target '{l}': give the mean AP@0.5 to reach with --min, e.g. --min 0.85");
            // Folder paths are accepted too, named as `zoo eval` records them.
            var names = given.Select(EvalFolderName).ToArray();
            var target = new AccuracyTarget { Label = l, Folders = names, MinAp = ap };
            var manifest = ZooCall(() => zoo.SetTarget(n, target));
            var v = manifest.CurrentVersion;
            console.Out.WriteLine(string.Create(Inv, $"{n}: target '{l}' = mean AP@0.5 >= {ap:0.000} over {string.Join(", ", names)}; v{v.Version}: {Standing(target, v.Ap)} at the estimate, {Standing(target, v.ApTrueDiameter)} at the true diameter"));
            return CliApp.Ok;
        });
        return cmd;
    }
}
