using System.CommandLine;
using AcqSeg.Models.Precision;
using AcqSeg.Models.Zoo;
using AcqSeg.Persistence;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo list [--db DB]`: one line per model (current version, widths, diam_mean, training data, size model,
/// styles, whether auto runs bf16, AP, licences), and with a service's database the version the service runs.</summary>
internal static class ZooListCommand
{
    public static Command Create(CliConsole console)
    {
        var zooDir = ZooOption();
        var db = new Option<string?>("--db") { Description = "A service's database (SQLite file or PostgreSQL connection): also show the version the service runs for each model" };
        var cmd = new Command("list", "One line per model: current version, widths, diam_mean, training data, AP") { zooDir, db };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            var store = r.GetValue(db) is { } connection ? new ModelStore(CliDatabase.Open(connection, mustExist: true)) : null;
            var o = console.Out;
            var names = zoo.Names();
            if (names.Count == 0)
            {
                o.WriteLine($"no models in {zoo.Root}");
                return CliApp.Ok;
            }
            o.WriteLine($"{"name",-14} {"version",-8} {"widths",-18} {"diam_mean",9} {"images",7} {"ROIs",8} {"size",5} {"styles",7} {"bf16",5}  {"AP@0.5",-28} {(store is null ? "" : $"{"service",-22} ")}licences");
            foreach (string name in names)
            {
                var m = ZooCall(() => zoo.Manifest(name));
                var v = m.CurrentVersion;
                string ap = v.Ap.Count == 0 ? "-" : string.Create(Inv, $"mean {v.Ap.Values.Average():0.000} over {v.Ap.Count} folder(s)");
                int styles = zoo.LoadStyles(name)?.Examples.Count ?? 0;
                string bf16 = Bf16Check.Beside(ZooCall(() => zoo.WeightsPath(name))).Allowed ? "yes" : "no";
                string service = store is null ? "" : $"{ServiceVersion(store, name),-22} ";
                o.WriteLine(string.Create(Inv,
                    $"{name,-14} {$"{v.Version}/{m.Versions.Count}",-8} {string.Join(",", v.Widths),-18} {v.DiamMean,9:0.##} {Opt(v.TrainImages),7} {Opt(v.TrainRois),8} {(zoo.SizeModelPath(name) is null ? "no" : "yes"),5} {styles,7} {bf16,5}  {ap,-28} {service}{LicenceSummary(ZooCall(() => zoo.CarriedLicences(name)))}"));
            }
            return CliApp.Ok;
        });
        return cmd;
    }

    private static string Opt(int? n) => n?.ToString(Inv) ?? "?";

    /// <summary>The service column: the live version (a fine-tuned lineage's, or the zoo version it started from), and the
    /// latest when a roll back pins an older one.</summary>
    private static string ServiceVersion(ModelStore store, string name)
    {
        var live = store.LiveAsync(name).GetAwaiter().GetResult();
        if (live is null) return "not used yet";
        var latest = store.LatestAsync(name).GetAwaiter().GetResult();
        return latest is not null && latest.Version != live.Version ? $"live v{live.Version} (latest v{latest.Version})" : $"live v{live.Version}";
    }

    /// <summary>The licence column of `zoo list`: the distinct licences the current version carries, NC marked.</summary>
    private static string LicenceSummary(IReadOnlyList<CarriedLicence> carried)
    {
        if (carried.Count == 0) return "-";
        string ids = string.Join(",", carried.Select(c => c.Licence.Licence).Distinct(StringComparer.Ordinal));
        return carried.Any(c => c.NonCommercial) ? ids + " (NON-COMMERCIAL)" : ids;
    }
}
