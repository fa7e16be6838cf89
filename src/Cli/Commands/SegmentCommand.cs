using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.Models.Sizing;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg segment <files or folders...> --model M [...]`: X.tif -> X_cp_masks.tif (+ flows, outlines, CSV, and
/// Cellpose's own outputs: X_seg.npy for its GUI, X_cp_outlines.txt, X_rois.zip for Fiji, X_cp_masks.png). Cellpose's
/// CLI flag names are accepted as aliases, so a `cellpose --dir ... --pretrained_model ...` line runs unchanged.
/// </summary>
public static class SegmentCommand
{
    public static Command Create(CliConsole console)
    {
        var inputs = new Argument<string[]>("inputs") { Description = "TIFF files or folders of TIFFs", Arity = ArgumentArity.ZeroOrMore };
        var dir = new Option<string[]>("--dir") { Description = "Folder of TIFFs, as Cellpose's --dir (same as giving the folder as an input)" };
        var imagePath = new Option<string[]>("--image_path") { Description = "One TIFF, as Cellpose's --image_path (same as giving the file as an input)" };
        var model = new Option<string>("--model", "--pretrained_model") { Description = "Zoo model name or path to a Cellpose .pth file", Required = true };
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
        outDir.Aliases.Add("--savedir");
        var saveFlows = new Option<bool>("--save-flows", "--save_flows") { Description = "Also write X_flows.tif (float32 pages dY, dX, cellprob)" };
        var saveOutlines = new Option<bool>("--save-outlines", "--save_outlines") { Description = "Also write X_cp_outlines.png (outlines over the image)" };
        var saveNpy = new Option<bool>("--save-npy") { Description = "Also write X_seg.npy, which the Cellpose GUI opens (masks, outlines, flows, settings)" };
        var noNpy = new Option<bool>("--no_npy") { Description = "Cellpose's flag to skip X_seg.npy; no X_seg.npy is this command's default, so it only conflicts with --save-npy" };
        var saveTxt = new Option<bool>("--save-txt", "--save_txt") { Description = "Also write X_cp_outlines.txt (one line per mask: x,y,x,y,... as Cellpose writes)" };
        var saveRois = new Option<bool>("--save-rois", "--save_rois") { Description = "Also write X_rois.zip, polygon ROIs for Fiji's ROI Manager" };
        var savePng = new Option<bool>("--save-png", "--save_png") { Description = "Also write X_cp_masks.png (8-bit gray, 16-bit past 255 masks)" };
        var saveCsv = new Option<bool>("--save-csv") { Description = "Also write X_cp_objects.csv (one row per object)" };
        var timings = new Option<bool>("--timings") { Description = "Print one JSON line per image with seconds per stage" };
        var device = new Option<string>("--device") { Description = "auto (CUDA when available), cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
        var useGpu = new Option<bool>("--use_gpu") { Description = "Cellpose's flag: the same as --device cuda" };
        var gpuDevice = new Option<int?>("--gpu_device") { Description = "Cellpose's flag with --use_gpu: the same as --device cuda:N" };

        var cmd = new Command("segment", "Segment images with a Cellpose-style model")
        {
            inputs, dir, imagePath, model, diameter, chan, chan2, augment, overlap, noTile, invert, outDir, saveFlows, saveOutlines, saveCsv,
            saveNpy, noNpy, saveTxt, saveRois, savePng, timings, device, useGpu, gpuDevice,
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
            if (r.GetValue(saveNpy) && r.GetValue(noNpy)) throw new UsageException("--save-npy and --no_npy contradict each other; give one");
            var outputs = new OutputChoice(r.GetValue(saveFlows), r.GetValue(saveOutlines), r.GetValue(saveCsv), r.GetValue(timings))
            {
                Npy = r.GetValue(saveNpy),
                Txt = r.GetValue(saveTxt),
                Rois = r.GetValue(saveRois),
                Png = r.GetValue(savePng),
            };
            string deviceName = DeviceName(r.GetValue(device)!, r.GetValue(useGpu), r.GetValue(gpuDevice));
            string[] given = [.. r.GetValue(inputs) ?? [], .. r.GetValue(dir) ?? [], .. r.GetValue(imagePath) ?? []];
            if (given.Length == 0) throw new UsageException("no inputs: give TIFF files or folders (or Cellpose's --dir FOLDER / --image_path FILE)");
            var files = InputFiles.Expand(given);
            string modelPath = ModelLocator.Resolve(r.GetValue(model)!);
            DeviceChoice deviceChoice;
            try { deviceChoice = DeviceChoice.Parse(deviceName); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            return Run(console, files, modelPath, deviceChoice, settings, outputs, OutDirOption.Prepare(r.GetValue(outDir)),
                showProgress: given.Any(Directory.Exists));
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

    /// <summary>Cellpose's --use_gpu [--gpu_device N] as a --device value; either way of naming the device, not both.</summary>
    private static string DeviceName(string device, bool useGpu, int? gpuDevice)
    {
        if (gpuDevice is not null && !useGpu) throw new UsageException("--gpu_device needs --use_gpu (or give --device cuda:N)");
        if (!useGpu) return device;
        if (device != "auto") throw new UsageException($"--use_gpu and --device {device} both name the device; give one");
        if (gpuDevice is < 0) throw new UsageException($"--gpu_device {gpuDevice} must be 0 or more");
        return gpuDevice is { } n ? $"cuda:{n}" : "cuda";
    }

    private sealed record OutputChoice(bool Flows, bool Outlines, bool Csv, bool Timings)
    {
        public bool Npy { get; init; }
        public bool Txt { get; init; }
        public bool Rois { get; init; }
        public bool Png { get; init; }
    }

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
                    SegmentOne(console, segmenter, file, settings, outputs, outDir, modelPath);
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

    private static void SegmentOne(CliConsole console, FrameSegmenter segmenter, string file, SegmentSettings settings, OutputChoice outputs, string? outDir,
        string modelPath)
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
        if (outputs.Npy)
        {
            var seg = CellposeSegOutput.Build(Path.GetFullPath(file), image, result.Masks, result.Network,
                new CellposeSegOutput.Settings(settings.Chan, settings.Chan2, result.Diameter, modelPath, settings.FlowThreshold, settings.CellprobThreshold));
            CellposeSegFile.Write(InputFiles.OutputPath(file, outDir, CellposeSegFile.Suffix), seg);
        }
        if (outputs.Txt) CellposeOutlineText.Write(InputFiles.OutputPath(file, outDir, "_cp_outlines.txt"), result.Masks);
        if (outputs.Rois) ImageJRoiZip.Write(InputFiles.OutputPath(file, outDir, "_rois.zip"), result.Masks);
        if (outputs.Png)
        {
            // As Cellpose: past 65,535 masks there is no PNG, the TIFF (always written) holds them.
            if (result.Masks.MaxLabel > MaskPng.MaxLabel)
                console.Error.WriteLine($"acqseg segment: {file}: {result.Masks.MaxLabel} masks do not fit a 16-bit PNG; X_cp_masks.png not written, use {Path.GetFileName(InputFiles.OutputPath(file, outDir, "_cp_masks.tif"))}");
            else
                MaskPng.Write(InputFiles.OutputPath(file, outDir, "_cp_masks.png"), result.Masks);
        }
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
