using System.CommandLine;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo set-thresholds NAME --flow-threshold F --cellprob-threshold C --chosen-by TEXT`: the mask thresholds
/// chosen (by cross-validation on the training folders) for the current version's weights.</summary>
internal static class ZooThresholdsCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name (its current version's weights)" };
        var flow = new Option<float>("--flow-threshold") { Description = "Maximum flow error per mask (0 turns the check off)", Required = true };
        var cellprob = new Option<float>("--cellprob-threshold") { Description = "Cell-probability logit a pixel must pass to take part in a mask", Required = true };
        var chosenBy = new Option<string>("--chosen-by") { Description = "How they were chosen (the training folds and the command), for the card", Required = true };
        var zooDir = ZooOption();
        var cmd = new Command("set-thresholds", "Record the mask thresholds chosen for a model's current weights; segment, zoo eval and the segment worker then run at them unless given others")
        {
            name, flow, cellprob, chosenBy, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            var thresholds = new MaskThresholds
            {
                FlowThreshold = r.GetValue(flow), CellprobThreshold = r.GetValue(cellprob), ChosenBy = r.GetValue(chosenBy)!.Trim(),
            };
            if (thresholds.Problem() is { } problem) throw new UsageException(problem);
            var before = ZooCall(() => zoo.Manifest(n).CurrentVersion);
            var version = ZooCall(() => zoo.SetThresholds(n, thresholds));
            // Recorded AP is stale only when the values it ran at moved (the reason may be edited alone; a version without
            // a file ran at Cellpose's) and there is AP to be stale.
            bool moved = (before.Thresholds?.FlowThreshold ?? MaskThresholds.DefaultFlowThreshold) != thresholds.FlowThreshold
                || (before.Thresholds?.CellprobThreshold ?? MaskThresholds.DefaultCellprobThreshold) != thresholds.CellprobThreshold;
            console.Out.WriteLine($"{n} v{version.Version}: {thresholds} (thresholds.json)"
                + (moved && version.HasRecordedAp() ? $"; AP recorded before was measured at the old thresholds, score it again with `acqseg zoo eval {n}`" : ""));
            return CliApp.Ok;
        });
        return cmd;
    }
}
