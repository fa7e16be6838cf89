using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Sizing;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.Models;
using AcqSeg.Models.Sizing;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg segment <files or folders...> --model M [...]`: X.tif -> X_cp_masks.tif (+ flows, outlines, CSV, and
/// Cellpose's own outputs: X_seg.npy for its GUI, X_cp_outlines.txt, X_rois.zip for Fiji, X_cp_masks.png). Cellpose's
/// CLI flag names are accepted as aliases, so a `cellpose --dir ... --pretrained_model ...` line runs unchanged.
/// Z and T stacks (ImageJ/OME axes, or --axes for plain multi-page files) are segmented plane by plane into one label
/// stack; a multi-page file whose axes nobody stated is refused rather than read as channels.
/// </summary>
public static class SegmentCommand
{
    public static Command Create(CliConsole console)
    {
        var inputs = new Argument<string[]>("inputs") { Description = "TIFF, PNG or JPEG files, or folders of them", Arity = ArgumentArity.ZeroOrMore };
        var dir = new Option<string[]>("--dir") { Description = "Folder of images, as Cellpose's --dir (same as giving the folder as an input)" };
        var imagePath = new Option<string[]>("--image_path") { Description = "One image, as Cellpose's --image_path (same as giving the file as an input)" };
        var model = new Option<string>("--model", "--pretrained_model") { Description = "Zoo model name or path to a Cellpose .pth file", Required = true };
        var diameter = new Option<double>("--diameter")
        {
            Description = "Object diameter in pixels (0 = the model's estimate / its training labels' mean)",
            DefaultValueFactory = _ => 30.0,
        };
        var estimateOnce = new Option<bool>("--estimate-once")
        {
            Description = "With --diameter 0: estimate the first image of each folder and reuse its diameter for the folder's other images, " +
                          "estimating again when an image's style or its masks' size drifts (the size model's passes cost more than segmenting)",
        };
        var styleDrift = new Option<double>("--reestimate-style-distance")
        {
            Description = "With --estimate-once: estimate again when an image's style is further than this (1 - cosine) from the estimated image's",
            DefaultValueFactory = _ => DiameterReuseOptions.DefaultMaxStyleDistance,
        };
        var diameterChange = new Option<double>("--reestimate-diameter-change")
        {
            Description = "With --estimate-once: estimate again when the masks' median diameter departs from the estimated image's by more than this fraction",
            DefaultValueFactory = _ => DiameterReuseOptions.DefaultMaxDiameterChange,
        };
        var diameterUm = new Option<double?>("--diameter-um")
        {
            Description = "Object diameter in micrometres, converted to pixels with each file's pixel size (ImageJ or OME-TIFF calibration, TIFF resolution in cm/inch, PNG pHYs)",
        };
        var axes = new Option<string?>("--axes")
        {
            Description = $"What the pages of a multi-page file without ImageJ/OME axes are: {StackLayout.AxesChoices} (Z slices, time points, channels of one image)",
        };
        var stitch = new Option<double>("--stitch-threshold", "--stitch_threshold")
        {
            Description = "Join labels of consecutive Z planes whose IoU is at least this (Cellpose's stitch3D); 0 = labels unique per plane",
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
            inputs, dir, imagePath, model, diameter, diameterUm, estimateOnce, styleDrift, diameterChange, axes, stitch, chan, chan2, augment, overlap, noTile, invert, outDir, saveFlows, saveOutlines, saveCsv,
            saveNpy, noNpy, saveTxt, saveRois, savePng, timings, device, useGpu, gpuDevice,
        };
        foreach (var o in thresholds.All) cmd.Options.Add(o);
        foreach (var o in path.All) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            thresholds.Validate(r);
            double d = r.GetValue(diameter);
            if (d < 0 || double.IsNaN(d)) throw new UsageException($"--diameter {d} must be >= 0 (0 = estimate)");
            double? um = r.GetValue(diameterUm);
            if (um is { } u && !(u > 0 && double.IsFinite(u))) throw new UsageException($"--diameter-um {u} must be a length above 0 micrometres");
            if (um is not null && r.GetResult(diameter) is { Implicit: false })
                throw new UsageException("--diameter (pixels) and --diameter-um (micrometres) both set the diameter; give one");
            DiameterReuse? reuse = null;
            if (r.GetValue(estimateOnce))
            {
                if (d != 0 || um is not null)
                    throw new UsageException("--estimate-once reuses the size model's estimate: give --diameter 0 with it (a given diameter needs no estimate)");
                var reuseOptions = new DiameterReuseOptions { MaxStyleDistance = r.GetValue(styleDrift), MaxDiameterChange = r.GetValue(diameterChange) };
                var problems = reuseOptions.Problems("--reestimate-style-distance", "--reestimate-diameter-change", "series").ToList();
                if (problems.Count > 0) throw new UsageException(string.Join("; ", problems));
                reuse = new DiameterReuse(reuseOptions);
            }
            else if (r.GetResult(styleDrift) is { Implicit: false } || r.GetResult(diameterChange) is { Implicit: false })
            {
                throw new UsageException("--reestimate-style-distance and --reestimate-diameter-change tune --estimate-once; add --estimate-once --diameter 0");
            }
            double stitchThreshold = r.GetValue(stitch);
            if (stitchThreshold is < 0 or > 1 || double.IsNaN(stitchThreshold))
                throw new UsageException($"--stitch-threshold {stitchThreshold} is an IoU: give 0 (off) to 1 (Cellpose's usual value is 0.25-0.5)");
            PageAxis? pageAxis = null;
            if (r.GetValue(axes) is { } axesText)
            {
                if (!StackLayout.TryParseAxes(axesText, out var parsed)) throw new UsageException($"--axes {axesText}: {StackLayout.AxesHelp}");
                pageAxis = parsed;
            }
            foreach (var (name, opt) in new[] { ("--chan", chan), ("--chan2", chan2) })
            {
                int c = r.GetValue(opt);
                if (c is < 0 or > 3) throw new UsageException($"{name} {c}: use 0 (gray/none) or 1, 2, 3 (R, G, B)");
            }
            double ov = r.GetValue(overlap);
            if (ov is < 0.05 or > 0.5) throw new UsageException($"--tile-overlap {ov} must be between 0.05 and 0.5");
            var (fast, precision, tiles) = path.Read(r);
            var settings = new SegmentSettings
            {
                Fast = fast,
                Precision = precision,
                FastTiles = tiles,
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
            var stack = new StackChoice(pageAxis, stitchThreshold, um) { Reuse = reuse };
            string deviceName = DeviceName(r.GetValue(device)!, r.GetValue(useGpu), r.GetValue(gpuDevice));
            string[] given = [.. r.GetValue(inputs) ?? [], .. r.GetValue(dir) ?? [], .. r.GetValue(imagePath) ?? []];
            if (given.Length == 0) throw new UsageException("no inputs: give image files or folders (or Cellpose's --dir FOLDER / --image_path FILE)");
            var files = InputFiles.Expand(given, rasters: true);
            string modelPath = ModelLocator.Resolve(r.GetValue(model)!);
            var (flow, cellprob, from) = thresholds.Resolve(r, modelPath);
            settings = settings with { FlowThreshold = flow, CellprobThreshold = cellprob };
            if (from is not null) console.Error.WriteLine($"acqseg segment: {flow} flow threshold, {cellprob} cell-probability threshold ({from}, chosen for these weights)");
            DeviceChoice deviceChoice;
            try { deviceChoice = DeviceChoice.Parse(deviceName); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            return Run(console, files, modelPath, deviceChoice, settings, outputs, stack, OutDirOption.Prepare(r.GetValue(outDir)),
                showProgress: given.Any(Directory.Exists));
        });
        return cmd;
    }

    /// <summary>The size model beside the weights (zoo size.json, or NAME_size.json / .npy), checked against the network.</summary>
    internal static SizeModel? LoadSizeModel(string modelPath, CellposeModel model) => SizeModel.LoadBeside(modelPath, model.Network.StyleLength);

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

    /// <summary>How stacks are read and labelled, and the diameter in micrometres (null: --diameter in pixels).</summary>
    private sealed record StackChoice(PageAxis? Axes, double StitchThreshold, double? DiameterUm)
    {
        /// <summary>--estimate-once: the diameters held per folder; null estimates every image.</summary>
        public DiameterReuse? Reuse { get; init; }

        /// <summary>One image or plane, estimated or reusing its folder's estimate.</summary>
        public SegmentationResult Segment(FrameSegmenter segmenter, string file, ImageData image, SegmentSettings settings) =>
            Reuse is null ? segmenter.Segment(image, settings)
                : segmenter.Segment(image, settings, Reuse, Path.GetDirectoryName(Path.GetFullPath(file)) ?? "");
    }

    /// <summary>The fix an ambiguous file's error names: the CLI's --axes.</summary>
    private const string AxesFix =
        "give --axes ZYX (Z slices: each segmented, one label stack written), --axes TYX (time points, the same) or --axes CYX " +
        "(channels of one image, as Cellpose reads a plain multi-page file)";

    private static int Run(CliConsole console, IReadOnlyList<string> files, string modelPath, DeviceChoice device,
        SegmentSettings settings, OutputChoice outputs, StackChoice stack, string? outDir, bool showProgress)
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
            try { size = settings.Diameter is > 0 || stack.DiameterUm is not null ? null : LoadSizeModel(modelPath, model); }
            catch (WeightsCompanionFileException ex)
            {
                console.Error.WriteLine($"acqseg segment: {ex.Message}");
                return CliApp.InputFailed;
            }
            var segmenter = new FrameSegmenter(model, size);
            var progress = new ConsoleProgress(console, "segment", files.Count, bar: showProgress);
            int failed = 0;
            foreach (string file in files)
            {
                try
                {
                    var meta = ImageFiles.ReadMetadata(file);
                    var layout = StackLayout.Resolve(file, meta, stack.Axes, channelsNamed: settings.Chan > 0 || settings.Chan2 > 0, AxesFix);
                    var fileSettings = stack.DiameterUm is { } um ? settings with { Diameter = DiameterInPixels(file, meta, um) } : settings;
                    var (objects, diameter, planes) = layout.IsStack
                        ? SegmentStack(console, segmenter, file, meta, layout, fileSettings, outputs, stack, outDir)
                        : SegmentOne(console, segmenter, file, layout, fileSettings, outputs, outDir, modelPath, stack);
                    string what = planes > 1 ? $"{planes} planes, {objects} objects, mean diameter" : $"{objects} objects, diameter";
                    progress.Done(file, string.Create(CultureInfo.InvariantCulture, $"{what} {diameter:F1} px"), objects);
                }
                catch (Exception ex) when (ex is TiffReadException or ArgumentException or IOException or UnauthorizedAccessException)
                {
                    console.Error.WriteLine($"acqseg segment: {(ex is TiffReadException ? ex.Message : $"{file}: {ex.Message}")}");
                    failed++;
                    progress.Failed(file);
                }
            }
            progress.Finish();
            return failed > 0 ? CliApp.InputFailed : CliApp.Ok;
        }
    }

    /// <summary>
    /// --diameter-um over the file's pixel size (the geometric mean of X and Y: the network sees square pixels). A pixel
    /// size that makes the diameter under 3 pixels is refused: it is almost always a screen resolution (72 per inch)
    /// stored by an editor, not the microscope's calibration.
    /// </summary>
    private static double DiameterInPixels(string file, TiffMetadata meta, double micrometres)
    {
        if (meta.PixelSizeX is not > 0 || meta.PixelSizeUnit is null)
            throw new ArgumentException($"--diameter-um needs the pixel size, and the file states none (ImageJ calibration, OME PhysicalSizeX, " +
                "a TIFF resolution in cm or inch, or a PNG pHYs chunk); give --diameter in pixels, or set the scale in Fiji (Image > Properties) and save");
        double perUnit = meta.PixelSizeUnit switch
        {
            "µm" => 1,
            "nm" => 1e-3,
            "mm" => 1e3,
            "cm" => 1e4,
            _ => throw new ArgumentException($"--diameter-um: the file's pixel size is in '{meta.PixelSizeUnit}', not a length this can convert " +
                "(µm, nm, mm, cm); give --diameter in pixels"),
        };
        double x = meta.PixelSizeX.Value * perUnit, y = (meta.PixelSizeY is > 0 ? meta.PixelSizeY.Value : meta.PixelSizeX.Value) * perUnit;
        double pixel = Math.Sqrt(x * y), diameter = micrometres / pixel;
        if (diameter < 3)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--diameter-um {micrometres} at the file's {pixel:G4} µm per pixel is {diameter:G3} pixels, too small to segment; that pixel size is probably a default resolution an editor stored, not the microscope's: give --diameter in pixels"));
        return diameter;
    }

    /// <summary>
    /// A Z and/or T stack: every plane segmented alone, labels made unique across the stack (or joined along Z with
    /// --stitch-threshold), one X_cp_masks.tif with a page per plane and ImageJ hyperstack metadata.
    /// </summary>
    private static (int Objects, double Diameter, int Planes) SegmentStack(CliConsole console, FrameSegmenter segmenter, string file, TiffMetadata meta, StackLayout layout,
        SegmentSettings settings, OutputChoice outputs, StackChoice stack, string? outDir)
    {
        var clock = Stopwatch.StartNew();
        var planes = new List<LabelImage>(layout.Planes);
        var sum = new StageTimings();
        var diameters = new List<double>(layout.Planes);
        var sources = new SortedSet<string>(StringComparer.Ordinal);
        int height = 0, width = 0;
        for (int t = 0; t < layout.SizeT; t++)
        {
            for (int z = 0; z < layout.SizeZ; z++)
            {
                var read = Stopwatch.StartNew();
                var image = ImageFiles.ReadPlane(file, layout, z, t);
                sum.Read += read.Elapsed.TotalSeconds;
                (height, width) = (image.Height, image.Width);
                var result = stack.Segment(segmenter, file, image, settings);
                planes.Add(result.Masks);
                diameters.Add(result.Diameter);
                sources.Add(result.DiameterSource);
                sum.Normalize += result.Timings.Normalize;
                sum.Network += result.Timings.Network;
                sum.Dynamics += result.Timings.Dynamics;
                sum.FlowQc += result.Timings.FlowQc;
                sum.SizeEstimate += result.Timings.SizeEstimate;
            }
        }
        var write = Stopwatch.StartNew();
        var labels = PlaneStitching.Join(planes, layout.SizeZ, layout.SizeZ > 1 ? stack.StitchThreshold : 0);
        string masksPath = InputFiles.OutputPath(file, outDir, "_cp_masks.tif");
        TiffWriter.WriteLabelStack(masksPath, labels, layout.SizeZ, layout.SizeT, StackCalibration.From(meta));
        sum.Write = write.Elapsed.TotalSeconds;
        sum.Total = clock.Elapsed.TotalSeconds;
        int objects = labels.SelectMany(p => p.Labels).Where(v => v != 0).Distinct().Count();

        if (stack.StitchThreshold > 0 && layout.SizeZ == 1)
            console.Error.WriteLine($"acqseg segment: {file}: --stitch-threshold joins Z planes and this is {layout.Describe()} without Z ({layout.Source}); its planes were labelled apart");
        var skipped = new[] { (outputs.Flows, "--save-flows"), (outputs.Outlines, "--save-outlines"), (outputs.Csv, "--save-csv"), (outputs.Npy, "--save-npy"),
            (outputs.Txt, "--save-txt"), (outputs.Rois, "--save-rois"), (outputs.Png, "--save-png") }.Where(o => o.Item1).Select(o => o.Item2).ToArray();
        if (skipped.Length > 0)
            console.Error.WriteLine($"acqseg segment: {file}: {layout.Describe()} ({layout.Source}); {Path.GetFileName(masksPath)} holds every plane, " +
                $"{string.Join(", ", skipped)} write single planes and were not written for it");
        if (outputs.Timings)
        {
            var line = new Dictionary<string, object?>
            {
                ["image"] = file,
                ["height"] = height,
                ["width"] = width,
                ["axes"] = layout.Axes,
                ["axes_source"] = layout.Source,
                ["planes"] = layout.Planes,
                ["objects"] = objects,
                ["diameter"] = Math.Round(diameters.Average(), 3),
                ["diameter_source"] = stack.DiameterUm is not null ? "micrometres" : string.Join("+", sources),
            };
            console.Out.WriteLine(JsonSerializer.Serialize(WithStages(line, sum)));
        }
        return (objects, diameters.Average(), layout.Planes);
    }

    private static (int Objects, double Diameter, int Planes) SegmentOne(CliConsole console, FrameSegmenter segmenter, string file, StackLayout layout, SegmentSettings settings,
        OutputChoice outputs, string? outDir, string modelPath, StackChoice stack)
    {
        var clock = Stopwatch.StartNew();
        var image = ImageFiles.ReadPlane(file, layout, 0, 0);
        double read = clock.Elapsed.TotalSeconds;
        var result = stack.Segment(segmenter, file, image, settings);

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
                ["diameter_source"] = stack.DiameterUm is not null ? "micrometres" : result.DiameterSource,
                // --estimate-once: why this image was estimated rather than reusing its folder's diameter.
                ["estimate_reason"] = result.EstimateReason is { } why ? $"{why.Reason}: {why.Detail}" : null,
                // The size model's style-only guess, before its refining pass (null when no size model ran).
                ["diameter_style"] = result.SizeEstimate is { } e ? Math.Round(e.StyleDiameter, 3) : null,
                // What each refining pass measured (one entry for Cellpose's single pass).
                ["diameter_passes"] = result.SizeEstimate?.PassDiameters.Select(d => Math.Round(d, 3)).ToArray(),
            };
            console.Out.WriteLine(JsonSerializer.Serialize(WithStages(line, t)));
        }
        return (result.Masks.CountObjects(), result.Diameter, 1);
    }

    private static Dictionary<string, object?> WithStages(Dictionary<string, object?> line, StageTimings t)
    {
        line["read"] = Round(t.Read);
        line["normalize"] = Round(t.Normalize);
        line["network"] = Round(t.Network);
        line["dynamics"] = Round(t.Dynamics);
        line["flow_qc"] = Round(t.FlowQc);
        line["size_estimate"] = Round(t.SizeEstimate);
        line["write"] = Round(t.Write);
        line["total"] = Round(t.Total);
        return line;
    }

    private static double Round(double seconds) => Math.Round(seconds, 4);
}
