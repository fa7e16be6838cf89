using System.CommandLine;
using AcqSeg.Engine.Network;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>
/// `acqseg zoo average FIRST SECOND --weight T --out FILE.pth`: the network (1 - T) FIRST + T SECOND, weight by
/// weight (<see cref="WeightAveraging"/>). FIRST and SECOND are zoo models (NAME for the current version, NAME@V for
/// another) or .pth files. Writes a file; `zoo import` makes it a version, with the command in its notes.
/// </summary>
internal static class ZooAverageCommand
{
    public static Command Create(CliConsole console)
    {
        var first = new Argument<string>("first") { Description = "Zoo model (NAME or NAME@VERSION) or .pth file" };
        var second = new Argument<string>("second") { Description = "Zoo model (NAME or NAME@VERSION) or .pth file, of the same widths" };
        var weight = new Option<double>("--weight") { Description = "Weight of the second network, 0-1", DefaultValueFactory = _ => 0.5 };
        var output = new Option<string>("--out") { Description = "The .pth to write", Required = true };
        var zooDir = ZooOption();
        var cmd = new Command("average", "Write the network whose weights are (1 - weight) FIRST + weight SECOND (e.g. a model and its fine-tune)")
        {
            first, second, weight, output, zooDir,
        };
        cmd.SetAction(r =>
        {
            double t = r.GetValue(weight);
            if (!(t >= 0 && t <= 1)) throw new UsageException($"--weight {t.ToString(Inv)} must be between 0 (the first network) and 1 (the second)");
            string target = Path.GetFullPath(r.GetValue(output)!);
            if (Path.GetDirectoryName(target) is { } dir && !Directory.Exists(dir)) throw new UsageException($"--out '{target}': folder {dir} does not exist");
            string a = WeightsOf(r.GetValue(first)!, r.GetValue(zooDir)), b = WeightsOf(r.GetValue(second)!, r.GetValue(zooDir));
            using var netA = LoadForAveraging(a);
            using var netB = LoadForAveraging(b);
            CellposeNet mixed;
            try { mixed = WeightAveraging.Interpolate(netA, netB, t); }
            catch (ArgumentException ex) { throw new UsageException($"'{a}' and '{b}' cannot be averaged: {ex.Message.Split(" (Parameter")[0]}"); }
            using (mixed) CellposeWeights.Save(mixed, target);
            console.Out.WriteLine(string.Create(Inv,
                $"wrote {target}: {1 - t:0.###} x {a} (sha256 {ModelSuggester.Sha256(a)[..12]}) + {t:0.###} x {b} (sha256 {ModelSuggester.Sha256(b)[..12]})"));
            return CliApp.Ok;
        });
        return cmd;
    }

    /// <summary>A .pth path as given, else NAME or NAME@VERSION in the zoo.</summary>
    private static string WeightsOf(string model, string? zooDir)
    {
        if (File.Exists(model)) return Path.GetFullPath(model);
        if (model.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) || model.Contains('/'))
            throw new UsageException($"'{model}': file not found; give a .pth file or a zoo model (NAME or NAME@VERSION)");
        var (name, version) = ModelLocator.SplitVersion(model, $"'{model}'");
        var zoo = Open(zooDir);
        return ZooCall(() => zoo.WeightsPath(name, version));
    }

    private static CellposeNet LoadForAveraging(string path)
    {
        try { return CellposeWeights.LoadNetwork(path); }
        catch (ModelFileException ex) { throw new UsageException(ex.Message); }
    }
}
