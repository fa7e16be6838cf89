using System.CommandLine;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo import PATH.pth --name NAME`: a Cellpose .pth as a new model or the next version of one (with `--run`, the training run it came from).</summary>
internal static class ZooImportCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("weights") { Description = "A Cellpose (or AcqSeg) .pth file" };
        var name = new Option<string>("--name") { Description = "Zoo model name (a new model, or the next version of an existing one)", Required = true };
        var size = new Option<string?>("--size-model") { Description = "Size model: Cellpose *_size.npy or AcqSeg size JSON" };
        var notes = new Option<string?>("--notes") { Description = "Free text recorded with the version" };
        var run = new Option<string?>("--run") { Description = "The `acqseg train` output folder the weights came from: its schedule, data, wall time and lineage are recorded (a parent file that is a zoo version's weights becomes that version)" };
        var zooDir = ZooOption();
        var cmd = new Command("import", "Import a Cellpose .pth as a new model or the next version of one") { path, name, size, notes, run, zooDir };
        cmd.SetAction(r =>
        {
            string file = r.GetValue(path)!;
            if (!File.Exists(file)) throw new UsageException($"'{file}': file not found; give a Cellpose .pth");
            string? sizeFile = r.GetValue(size);
            if (sizeFile is not null && !File.Exists(sizeFile)) throw new UsageException($"--size-model '{sizeFile}': file not found");
            ModelVersion? trained = null;
            if (r.GetValue(run) is { } runDir)
            {
                if (!File.Exists(Path.Combine(runDir, "training", "run.json")))
                    throw new UsageException($"--run '{runDir}': no training/run.json there; give the --out folder of an `acqseg train` run");
                try { trained = TrainRegistration.DescribeRun(runDir); }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or InvalidOperationException)
                {
                    throw new UsageException($"--run '{runDir}': training/run.json cannot be read ({ex.Message})");
                }
            }
            var zoo = Open(r.GetValue(zooDir), mustExist: false);
            string n = r.GetValue(name)!;
            var v = ZooCall(() => zoo.Import(file, n, sizeFile, r.GetValue(notes), trained));
            console.Out.WriteLine(string.Create(Inv,
                $"imported {file} as {n} version {v.Version} (widths {string.Join(",", v.Widths)}, diam_mean {v.DiamMean:0.##}, diam_labels {v.DiamLabels:0.##}{(sizeFile is null ? "" : ", with size model")})"));
            return CliApp.Ok;
        });
        return cmd;
    }
}
