using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AcqSeg.Segmentation.Inference;
using AcqSeg.Segmentation.Io;
using AcqSeg.Segmentation.Network;
using AcqSeg.Segmentation.Outputs;
using AcqSeg.Segmentation.Pipeline;
using AcqSeg.Segmentation.Sizing;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg segment <files or folders...> --model M [...]`: X.tif -> X_cp_masks.tif (+ flows, outlines, CSV).</summary>
public static class SegmentCommand
{
    public static Command Create(CliConsole console)
    {
        var inputs = new Argument<string[]>("inputs") { Description = "TIFF files or folders of TIFFs", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model") { Description = "Zoo model name or path to a Cellpose .pth file", Required = true };
        var diameter = new Option<double>("--diameter")
        {
            Description = "Object diameter in pixels (0 = the model's estimate / its training labels' mean)",
            DefaultValueFactory = _ => 30.0,
        };
        var chan = new Option<int>("--chan") { Description = "Channel to segment: 0 gray, 1 R, 2 G, 3 B" };
        var chan2 = new Option<int>("--chan2") { Description = "Optional nuclear channel: 0 none, 1 R, 2 G, 3 B" };
        var thresholds = new MaskThresholdOptions();
        var path = new NetworkPathOptions();
        var augment = new Option<bool>("--augment") { Description = "Test-time augmentation (overlapping flipped tiles)" };
        var overlap = new Option<double>("--tile-overlap") { Description = "Tile overlap fraction (0.05-0.5)", DefaultValueFactory = _ => 0.1 };
        var noTile = new Option<bool>("--no-tile") { Description = "One network pass over the whole frame instead of tiles (not Cellpose-exact; needs more memory)" };
        var invert = new Option<bool>("--invert") { Description = "Invert intensities after normalisation (dark objects on bright background)" };
        var outDir = OutDirOption.Create("Output folder (default: beside each input)");
        var saveFlows = new Option<bool>("--save-flows") { Description = "Also write X_flows.tif (float32 pages dY, dX, cellprob)" };
        var saveOutlines = new Option<bool>("--save-outlines") { Description = "Also write X_cp_outlines.png (outlines over the image)" };
        var saveCsv = new Option<bool>("--save-csv") { Description = "Also write X_cp_objects.csv (one row per object)" };
        var timings = new Option<bool>("--timings") { Description = "Print one JSON line per image with seconds per stage" };
        var device = new Option<string>("--device") { Description = "auto (CUDA when available), cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };

        var cmd = new Command("segment", "Segment images with a Cellpose-style model")
        {
            inputs, model, diameter, chan, chan2, augment, overlap, noTile, invert, outDir, saveFlows, saveOutlines, saveCsv, timings, device,
        };
        foreach (var o in thresholds.All) cmd.Options.Add(o);
        foreach (var o in path.All) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            thresholds.Validate(r);
            double d = r.GetValue(diameter);
            if (d < 0 || double.IsNaN(d)) throw new UsageException($"--diameter {d} must be >= 0 (0 = estimate)");
            foreach (var (name, opt) in new[] { ("--chan", chan), ("--chan2", chan2) })
            {
                int c = r.GetValue(opt);
                if (c is < 0 or > 3) throw new UsageException($"{name} {c}: use 0 (gray/none) or 1, 2, 3 (R, G, B)");
            }
            double ov = r.GetValue(overlap);
            if (ov is < 0.05 or > 0.5) throw new UsageException($"--tile-overlap {ov} must be between 0.05 and 0.5");
            var (fast, precision) = path.Read(r);
            var settings = new SegmentSettings
            {
                Fast = fast,
                Precision = precision,
                Chan = r.GetValue(chan),
                Chan2 = r.GetValue(chan2),
                Diameter = d,
                Invert = r.GetValue(invert),
                Tile = !r.GetValue(noTile),
                TileOverlap = ov,
                Augment = r.GetValue(augment),
                FlowThreshold = r.GetValue(thresholds.FlowThreshold),
                CellprobThreshold = r.GetValue(thresholds.CellprobThreshold),
                MinSize = r.GetValue(thresholds.MinSize),
            };
            var outputs = new OutputChoice(r.GetValue(saveFlows), r.GetValue(saveOutlines), r.GetValue(saveCsv), r.GetValue(timings));
            var files = InputFiles.Expand(r.GetValue(inputs)!);
            string modelPath = ModelLocator.Resolve(r.GetValue(model)!);
            DeviceChoice deviceChoice;
            try { deviceChoice = DeviceChoice.Parse(r.GetValue(device)!); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            return Run(console, files, modelPath, deviceChoice, settings, outputs, OutDirOption.Prepare(r.GetValue(outDir)),
                showProgress: r.GetValue(inputs)!.Any(Directory.Exists));
        });
        return cmd;
    }

    /// <summary>The size model beside the weights (zoo size.json, or NAME_size.json / .npy), checked against the network.</summary>
    private static SizeModel? LoadSizeModel(string modelPath, CellposeModel model)
    {
        string? path = SizeModel.FindBeside(modelPath);
        if (path is null) return null;
        var size = SizeModel.Load(path);
        if (size.StyleLength != model.Network.StyleLength)
            throw new SizeModelFileException(path, $"takes styles of length {size.StyleLength} but {modelPath} makes {model.Network.StyleLength}; retrain it with `acqseg zoo train-size`");
        return size;
    }

    private sealed record OutputChoice(bool Flows, bool Outlines, bool Csv, bool Timings);

    private static int Run(CliConsole console, IReadOnlyList<string> files, string modelPath, DeviceChoice device,
        SegmentSettings settings, OutputChoice outputs, string? outDir, bool showProgress)
    {
        CellposeModel model;
        try
        {
            model = CellposeModel.Load(modelPath, device);
        }
        catch (ModelFileException ex)
        {
            console.Error.WriteLine($"acqseg segment: {ex.Message}");
            return CliApp.InputFailed;
        }
        catch (DeviceUnavailableException ex)
        {
            throw new UsageException(ex.Message);
        }
        using (model)
        {
            SizeModel? size;
            try { size = settings.Diameter is > 0 ? null : LoadSizeModel(modelPath, model); }
            catch (SizeModelFileException ex)
            {
                console.Error.WriteLine($"acqseg segment: {ex.Message}");
                return CliApp.InputFailed;
            }
            var segmenter = new FrameSegmenter(model, size);
            var progress = new ConsoleProgress(console, files.Count, showProgress && console.ErrorIsTerminal);
            int failed = 0;
            foreach (string file in files)
            {
                try
                {
                    SegmentOne(console, segmenter, file, settings, outputs, outDir);
                }
                catch (Exception ex) when (ex is TiffReadException or ArgumentException or IOException or UnauthorizedAccessException)
                {
                    console.Error.WriteLine($"acqseg segment: {(ex is TiffReadException ? ex.Message : $"{file}: {ex.Message}")}");
                    failed++;
                }
                progress.Step(Path.GetFileName(file));
            }
            return failed > 0 ? CliApp.InputFailed : CliApp.Ok;
        }
    }

    private static void SegmentOne(CliConsole console, FrameSegmenter segmenter, string file, SegmentSettings settings, OutputChoice outputs, string? outDir)
    {
        var clock = Stopwatch.StartNew();
        var image = TiffReader.Read(file);
        double read = clock.Elapsed.TotalSeconds;
        var result = segmenter.Segment(image, settings);

        var write = Stopwatch.StartNew();
        TiffWriter.WriteLabels(InputFiles.OutputPath(file, outDir, "_cp_masks.tif"), result.Masks);
        if (outputs.Flows)
        {
            var n = result.Network;
            TiffWriter.WriteFloatPages(InputFiles.OutputPath(file, outDir, "_flows.tif"), [n.DY, n.DX, n.CellProb], n.Height, n.Width);
        }
        if (outputs.Outlines) OutlineOverlay.WritePng(InputFiles.OutputPath(file, outDir, "_cp_outlines.png"), image, result.Masks);
        if (outputs.Csv) ObjectTable.WriteCsv(InputFiles.OutputPath(file, outDir, "_cp_objects.csv"), ObjectTable.Measure(result.Masks, image));
        var t = result.Timings;
        t.Read = read;
        t.Write = write.Elapsed.TotalSeconds;
        t.Total = clock.Elapsed.TotalSeconds;
        if (outputs.Timings)
        {
            var line = new Dictionary<string, object?>
            {
                ["image"] = file,
                ["height"] = image.Height,
                ["width"] = image.Width,
                ["objects"] = result.Masks.CountObjects(),
                ["diameter"] = Math.Round(result.Diameter, 3),
                ["diameter_source"] = result.SizeEstimate is not null ? "size_model" : settings.Diameter is > 0 ? "given" : "diam_labels",
                // The size model's style-only guess, before its refining pass (null when no size model ran).
                ["diameter_style"] = result.SizeEstimate is { } e ? Math.Round(e.StyleDiameter, 3) : null,
                // What each refining pass measured (one entry for Cellpose's single pass).
                ["diameter_passes"] = result.SizeEstimate?.PassDiameters.Select(d => Math.Round(d, 3)).ToArray(),
                ["read"] = Round(t.Read),
                ["normalize"] = Round(t.Normalize),
                ["network"] = Round(t.Network),
                ["dynamics"] = Round(t.Dynamics),
                ["flow_qc"] = Round(t.FlowQc),
                ["size_estimate"] = Round(t.SizeEstimate),
                ["write"] = Round(t.Write),
                ["total"] = Round(t.Total),
            };
            console.Out.WriteLine(JsonSerializer.Serialize(line));
        }
    }

    private static double Round(double seconds) => Math.Round(seconds, 4);
}
