using System.CommandLine;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>
/// `acqseg zoo licence NAME[@V] ID --data DESC` records the licence of data a version was trained on (for versions
/// made before licences were recorded, or imported weights); without ID it prints what the version carries, its
/// lineage's included. `train` records its folders' licences by itself.
/// </summary>
internal static class ZooLicenceCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Argument<string>("model") { Description = "Zoo model name, or NAME@VERSION" };
        var licence = new Argument<string?>("licence") { Description = "Licence id, e.g. CC0-1.0, MIT, CC-BY-NC-SA-4.0 (omit to print the version's licences)", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<string?>("--data") { Description = "The data the licence covers, e.g. the training folder" };
        var zooDir = ZooOption();
        var cmd = new Command("licence", "Record or print the licences of a version's training data (its lineage's carried along)") { model, licence, data, zooDir };
        cmd.Aliases.Add("license");
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            var (name, version) = ModelLocator.SplitVersion(r.GetValue(model)!, $"model '{r.GetValue(model)}'");
            string? id = r.GetValue(licence);
            if (id is not null)
            {
                string what = r.GetValue(data) ?? throw new UsageException($"licence {id}: say which data it covers with --data, e.g. --data ../shared/data/train/dsb2018/fluo");
                KnownLicence known = ZooCall(() => DataLicences.Parse(id));
                var v = ZooCall(() => zoo.RecordLicence(name, new DataLicence { Licence = known.Id, Data = what, Source = "acqseg zoo licence" }, version));
                console.Out.WriteLine($"{name} v{v.Version}: {what} under {known.Title}");
            }
            else if (r.GetValue(data) is not null) throw new UsageException("--data needs a licence id before it, e.g. `zoo licence nuclei@2 CC0-1.0 --data DIR`");
            var carried = ZooCall(() => zoo.CarriedLicences(name, version));
            var current = version ?? ZooCall(() => zoo.Manifest(name)).Current;
            if (carried.Count == 0) console.Out.WriteLine($"{name} v{current}: no data licences recorded");
            foreach (var c in carried)
                console.Out.WriteLine($"{name} v{current}: {c.Licence.Data}: {DataLicences.Find(c.Licence.Licence)?.Title ?? c.Licence.Licence}{(c.NonCommercial ? " (non-commercial)" : "")}{(c.Via is null ? "" : $", via {c.Via}")}");
            if (DataLicences.NonCommercialNotice(carried) is { } notice) console.Out.WriteLine(notice);
            return CliApp.Ok;
        });
        return cmd;
    }
}
