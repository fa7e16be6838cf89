using System.CommandLine;
using AcqSeg.Models.Sizing;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo size-passes NAME N [--settle F]`: the refining-pass count (and stopping fraction) of the current
/// size model, without refitting.</summary>
internal static class ZooSizePassesCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name (its current version's size model)" };
        var passes = new Argument<int>("passes") { Description = $"Refining passes, 1 (Cellpose) to {SizeModel.MaxRefinePasses}" };
        var settle = SettleOption();
        var zooDir = ZooOption();
        var cmd = new Command("size-passes", "Set how many refining passes a model's size model runs (1 = Cellpose; try counts first with `zoo size-check --refine-passes`)")
        {
            name, passes, settle, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            int p = CheckedRefinePasses(r.GetValue(passes));
            double? st = r.GetValue(settle) is { } given ? CheckedSettle(given) : null;
            var version = ZooCall(() => zoo.SetRefinePasses(n, p, st));
            double now = version.SizeModel?.SettledChange ?? SizeModel.DefaultSettledChange;
            console.Out.WriteLine(string.Create(Inv,
                $"{n} v{version.Version}: size model runs {p} refining pass(es), stopping below a {now * 100:0.#} % change; AP recorded before was measured with the old count, score it again with `acqseg zoo eval {n}`"));
            return CliApp.Ok;
        });
        return cmd;
    }
}
