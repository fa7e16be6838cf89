using System.CommandLine;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg flows <label files or folders> --out DIR`: Cellpose's flows computed from masks, as X_flows.tif.</summary>
public static class FlowsCommand
{
    /// <summary>
    /// The cell-probability page of a flows file made from labels: the logit a confident network gives (+/- this) inside
    /// and outside masks, so that `acqseg remask` of the file rebuilds the masks.
    /// </summary>
    public const float LabelLogit = 10f;

    public static Command Create(CliConsole console)
    {
        var inputs = new Argument<string[]>("labels") { Description = "Label TIFF files or folders of *_masks.tif", Arity = ArgumentArity.OneOrMore };
        var outDir = OutDirOption.Create("Output folder (default: beside each input)");
        var cmd = new Command("flows", "Compute flows from label images (X_flows.tif: float32 pages dY, dX, cellprob)") { inputs, outDir };
        cmd.SetAction(r => Run(console, r.GetValue(inputs)!, OutDirOption.Prepare(r.GetValue(outDir))));
        return cmd;
    }

    private static int Run(CliConsole console, string[] inputs, string? outDir)
    {
        var files = ExpandLabels(inputs);
        var progress = new ConsoleProgress(console, "flows", files.Count, bar: inputs.Any(Directory.Exists));
        int failed = 0;
        foreach (string file in files)
        {
            try
            {
                var labels = TiffReader.ReadLabels(file);
                var (dy, dx, prob) = FromMasks(labels);
                string stem = InputFiles.Stem(file);
                if (stem.EndsWith("_masks", StringComparison.Ordinal)) stem = stem[..^"_masks".Length];
                string dir = outDir ?? Path.GetDirectoryName(Path.GetFullPath(file))!;
                TiffWriter.WriteFloatPages(Path.Combine(dir, stem + "_flows.tif"), [dy, dx, prob], labels.Height, labels.Width);
                int objects = labels.CountObjects();
                progress.Done(file, $"{objects} objects -> {stem}_flows.tif", objects);
            }
            catch (TiffReadException ex)
            {
                console.Error.WriteLine($"acqseg flows: {ex.Message}");
                failed++;
                progress.Failed(file);
            }
        }
        progress.Finish();
        return failed > 0 ? CliApp.InputFailed : CliApp.Ok;
    }

    /// <summary>The flows file's pages for <paramref name="labels"/>: dY, dX in network units (Cellpose's networks predict
    /// 5x the unit flows) and the cell-probability logit (+/- <see cref="LabelLogit"/>).</summary>
    public static (float[] DY, float[] DX, float[] CellProb) FromMasks(LabelImage labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var flows = MaskDynamics.FlowsFromMasks(labels);
        int n = labels.Labels.Length;
        var dy = new float[n];
        var dx = new float[n];
        var prob = new float[n];
        for (int i = 0; i < n; i++)
        {
            dy[i] = 5f * flows.DY[i];
            dx[i] = 5f * flows.DX[i];
            prob[i] = labels.Labels[i] != 0 ? LabelLogit : -LabelLogit;
        }
        return (dy, dx, prob);
    }

    private static IReadOnlyList<string> ExpandLabels(string[] inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input)) files.AddRange(InputFiles.Expand([input], "_masks.tif").Where(f => !f.EndsWith("_cp_masks.tif", StringComparison.Ordinal)));
            else files.AddRange(InputFiles.Expand([input]));
        }
        return files;
    }
}
