using System.CommandLine;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg remask <flows files or folders> [thresholds] --out DIR`: masks again from saved flows, no network.</summary>
public static class RemaskCommand
{
    public static Command Create(CliConsole console)
    {
        var inputs = new Argument<string[]>("flows") { Description = "X_flows.tif files (pages dY, dX, cellprob) or folders of them", Arity = ArgumentArity.OneOrMore };
        var thresholds = new MaskThresholdOptions();
        var niter = new Option<int?>("--niter") { Description = "Euler steps (default 200, Cellpose's at rescale 1)" };
        var outDir = OutDirOption.Create("Output folder (default: beside each input)");
        var cmd = new Command("remask", "Rebuild masks from saved flows with other thresholds, without the network") { inputs, niter, outDir };
        foreach (var o in thresholds.All) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            thresholds.Validate(r);
            int? n = r.GetValue(niter);
            if (n is < 0) throw new UsageException($"--niter {n} must be >= 0");
            var options = new MaskOptions
            {
                FlowThreshold = r.GetValue(thresholds.FlowThreshold),
                CellprobThreshold = r.GetValue(thresholds.CellprobThreshold),
                MinSize = r.GetValue(thresholds.MinSize),
                Niter = n,
            };
            return Run(console, r.GetValue(inputs)!, options, OutDirOption.Prepare(r.GetValue(outDir)));
        });
        return cmd;
    }

    private static int Run(CliConsole console, string[] inputs, MaskOptions options, string? outDir)
    {
        var files = new List<string>();
        foreach (string input in inputs)
            files.AddRange(Directory.Exists(input) ? InputFiles.Expand([input], "_flows.tif") : InputFiles.Expand([input]));
        var progress = new ConsoleProgress(console, "remask", files.Count, bar: inputs.Any(Directory.Exists));
        int failed = 0;
        foreach (string file in files)
        {
            try
            {
                var flows = TiffReader.Read(file);
                if (flows.Channels != 3)
                    throw new TiffReadException(file, TiffErrorKind.BadDimensions,
                        $"has {flows.Channels} page(s); a flows file has 3 (dY, dX, cellprob), as written by 'acqseg segment --save-flows' or 'acqseg flows'");
                var result = MaskDynamics.ComputeMasks(flows.Channel(0).ToArray(), flows.Channel(1).ToArray(), flows.Channel(2).ToArray(),
                    flows.Height, flows.Width, options);
                string stem = InputFiles.Stem(file);
                if (stem.EndsWith("_flows", StringComparison.Ordinal)) stem = stem[..^"_flows".Length];
                string dir = outDir ?? Path.GetDirectoryName(Path.GetFullPath(file))!;
                TiffWriter.WriteLabels(Path.Combine(dir, stem + "_cp_masks.tif"), result.Masks);
                int objects = result.Masks.CountObjects();
                progress.Done(file, $"{objects} objects -> {stem}_cp_masks.tif", objects);
            }
            catch (TiffReadException ex)
            {
                console.Error.WriteLine($"acqseg remask: {ex.Message}");
                failed++;
                progress.Failed(file);
            }
        }
        progress.Finish();
        return failed > 0 ? CliApp.InputFailed : CliApp.Ok;
    }
}
