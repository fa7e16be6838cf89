using System.CommandLine;
using System.Globalization;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Training;
using AcqSeg.Models.Precision;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>
/// `acqseg zoo parity NAME --dir DIR...`: segments each image with the exact path and with the fast path in bfloat16 (on
/// Cellpose's tiles), scores the bf16 masks against the exact ones and keeps the result beside the model's weights
/// (<see cref="Bf16Check"/>). `--precision auto` then runs bf16 for this model only if every image reached
/// <see cref="Bf16Check.Goal"/>; float32 on Cellpose's tiles reproduces the exact masks, so that is the fallback.
/// Measure on training folders: the evaluation folders are for scoring, not for choosing settings.
/// </summary>
internal static class ZooParityCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model (its current version) or a .pth file" };
        var dirs = new Option<string[]>("--dir") { Description = "Folder(s) of images to check on (training folders)", Required = true, AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int>("--images") { Description = "At most this many images per folder, in name order (0 = all)", DefaultValueFactory = _ => 20 };
        var diameter = new Option<double>("--diameter") { Description = "Diameter to segment at (0 = each image's masks' diameter, else the model's)", DefaultValueFactory = _ => 0 };
        var maskSuffix = MaskSuffixOption("Suffix of mask files (for --diameter 0)");
        var chan = ChanOption();
        var chan2 = Chan2Option();
        var zooDir = ZooOption();
        var cmd = new Command("parity", "Check a model's bfloat16 masks against its exact ones and record whether --precision auto may use bf16")
        {
            name, dirs, limit, diameter, maskSuffix, chan, chan2, zooDir,
        };
        cmd.SetAction(r =>
        {
            string n = r.GetValue(name)!;
            string weights;
            if (n.EndsWith(".pth", StringComparison.OrdinalIgnoreCase))
            {
                if (!File.Exists(n)) throw new UsageException($"'{n}': no such weight file");
                weights = n;
            }
            else
            {
                var zoo = Open(r.GetValue(zooDir));
                if (!zoo.Contains(n)) throw new UsageException($"no model '{n}' in {zoo.Root}");
                weights = ZooCall(() => zoo.WeightsPath(n));
            }
            int max = r.GetValue(limit);
            if (max < 0) throw new UsageException($"--images {max} must be 0 (all) or more");
            double d = r.GetValue(diameter);
            if (d < 0 || double.IsNaN(d)) throw new UsageException($"--diameter {d} must be >= 0");
            var folders = new List<(string Dir, IReadOnlyList<string> Images)>();
            foreach (string dir in r.GetValue(dirs)!)
            {
                if (!Directory.Exists(dir)) throw new UsageException($"--dir '{dir}' is not a folder");
                var images = InputFiles.Expand([dir]).Order(StringComparer.Ordinal).ToList();
                folders.Add((dir, max > 0 ? images.Take(max).ToList() : images));
            }
            if (!NetworkPrecisionExtensions.CpuHasNativeBf16)
                console.Error.WriteLine("note: this CPU has no native bf16, so auto runs float32 here whatever this check says; it is recorded for CPUs that have it");
            return Run(console, weights, folders, d, r.GetValue(maskSuffix)!, r.GetValue(chan), r.GetValue(chan2));
        });
        return cmd;
    }

    private static int Run(CliConsole console, string weights, List<(string Dir, IReadOnlyList<string> Images)> folders, double diameter,
        string suffix, int chan, int chan2)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = console.Out;
        using var model = CellposeModel.Load(weights, DeviceChoice.Parse("cpu"));
        o.WriteLine("| folder | images | mean AP@0.5 bf16 vs exact | lowest | lowest image |");
        o.WriteLine("|---|---|---|---|---|");
        var all = new List<(string Image, double Ap50)>();
        foreach (var (dir, images) in folders)
        {
            var aps = Bf16Parity.Measure(model, images.Select(i => (i, diameter > 0 ? diameter : TrainingData.MasksDiameterFor(i, suffix))).ToList(), chan, chan2);
            all.AddRange(aps);
            var low = aps.MinBy(a => a.Ap50);
            o.WriteLine(string.Create(inv, $"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))} | {aps.Count} | {aps.Average(a => a.Ap50):0.0000} | {low.Ap50:0.0000} | {low.Image} |"));
        }
        var check = Bf16Parity.Check(weights, all, folders.Select(f => f.Dir).ToList());
        check.SaveBeside(weights);
        o.WriteLine(check.Holds
            ? string.Create(inv, $"bf16 holds (lowest {check.MinAp50:0.0000} >= {Bf16Check.Goal}): --precision auto runs bf16 for these weights on CPUs with native bf16")
            : string.Create(inv, $"bf16 does not hold (lowest {check.MinAp50:0.0000} < {Bf16Check.Goal}, {check.LowestImage}): --precision auto runs float32 for these weights"));
        o.WriteLine($"wrote {Bf16Check.PathBeside(weights)}");
        return CliApp.Ok;
    }
}
