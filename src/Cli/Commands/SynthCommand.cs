using System.CommandLine;
using System.Globalization;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg synth --style S --count N --out DIR [...]`: synthetic frames with known masks as NAME_img.tif +
/// NAME_masks.tif (the ../shared/data layout, so `train --dir` and `eval --gt` take the folder as is).</summary>
public static class SynthCommand
{
    public static Command Create(CliConsole console)
    {
        var style = new Option<string>("--style") { Description = "nuclei, cyto, phase, brightfield or nuclei-in-cells (gray brightfield: dark nuclei inside large pale cells, only the nuclei labelled)", Required = true };
        var count = new Option<int>("--count") { Description = "Number of frames", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder (created)", Required = true };
        var size = new Option<int>("--size") { Description = "Frame height and width in pixels", DefaultValueFactory = _ => 256 };
        var diameter = new Option<double>("--diameter") { Description = "Median object diameter in pixels", DefaultValueFactory = _ => 30.0 };
        var jitter = new Option<double>("--size-jitter") { Description = "Relative spread of object sizes, in [0, 1)", DefaultValueFactory = _ => 0.25 };
        var density = new Option<double>("--density") { Description = "Fraction of the frame objects try to cover (0.05 sparse .. 0.7 crowded)", DefaultValueFactory = _ => 0.3 };
        var noise = new Option<double>("--noise") { Description = "Gaussian noise relative to the object contrast", DefaultValueFactory = _ => 0.05 };
        var blur = new Option<double>("--blur") { Description = "Gaussian blur sigma in pixels", DefaultValueFactory = _ => 1.0 };
        var gradient = new Option<double>("--gradient") { Description = "Background ramp relative to the object contrast", DefaultValueFactory = _ => 0.1 };
        var brightness = new Option<double>("--brightness-range") { Description = "Brightest to dimmest object (2: similar objects; 10-20: dim nuclei beside saturated ones)", DefaultValueFactory = _ => 2.0 };
        var nucleoli = new Option<int>("--nucleoli") { Description = "nuclei: up to N dim nucleoli per nucleus (0-5; 0 none)" };
        var cellScale = new Option<double>("--cell-scale") { Description = "nuclei-in-cells: cell diameter over nuclear diameter (1.5-10)", DefaultValueFactory = _ => 4.0 };
        var bitDepth = new Option<int>("--bit-depth") { Description = "8 (uint8), 16 (uint16) or 32 (float32)", DefaultValueFactory = _ => 16 };
        var noNuclear = new Option<bool>("--no-nuclear-channel") { Description = "cyto: one channel only (no nuclear second channel)" };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same frames)" };
        var prefix = new Option<string?>("--prefix") { Description = "File name prefix (default: synth_STYLE)" };

        var cmd = new Command("synth", "Write synthetic frames with known masks (NAME_img.tif + NAME_masks.tif)")
        {
            style, count, outDir, size, diameter, jitter, density, noise, blur, gradient, brightness, nucleoli, cellScale, bitDepth, noNuclear, seed, prefix,
        };
        cmd.SetAction(r =>
        {
            if (!SynthStyleNames.ByName.TryGetValue(r.GetValue(style)!, out var st))
                throw new UsageException($"--style '{r.GetValue(style)}': use {string.Join(", ", SynthStyleNames.ByName.Keys)}");
            int n = r.GetValue(count);
            if (n < 1) throw new UsageException($"--count {n} must be at least 1");
            int px = r.GetValue(size);
            var settings = new SynthSettings
            {
                Style = st,
                Height = px,
                Width = px,
                Diameter = r.GetValue(diameter),
                SizeJitter = r.GetValue(jitter),
                Density = r.GetValue(density),
                Noise = r.GetValue(noise),
                Blur = r.GetValue(blur),
                BackgroundGradient = r.GetValue(gradient),
                BrightnessRange = r.GetValue(brightness),
                Nucleoli = r.GetValue(nucleoli),
                CellScale = r.GetValue(cellScale),
                BitDepth = r.GetValue(bitDepth),
                NuclearChannel = !r.GetValue(noNuclear),
            };
            try { settings.Validate(); }
            catch (ArgumentOutOfRangeException ex)
            {
                string option = ex.ParamName switch
                {
                    nameof(SynthSettings.Height) => "--size",
                    nameof(SynthSettings.Diameter) => "--diameter",
                    nameof(SynthSettings.SizeJitter) => "--size-jitter",
                    nameof(SynthSettings.Density) => "--density",
                    nameof(SynthSettings.Noise) => "--noise/--blur/--gradient",
                    nameof(SynthSettings.BrightnessRange) => "--brightness-range",
                    nameof(SynthSettings.Nucleoli) => "--nucleoli",
                    nameof(SynthSettings.CellScale) => "--cell-scale",
                    nameof(SynthSettings.BitDepth) => "--bit-depth",
                    _ => "option",
                };
                throw new UsageException($"{option}: {ex.Message.Split(" (Parameter")[0]}");
            }
            string dir = r.GetValue(outDir)!;
            try { Directory.CreateDirectory(dir); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new UsageException($"--out '{dir}' cannot be created: {ex.Message}"); }
            string stem = r.GetValue(prefix) ?? $"synth_{SynthStyleNames.Name(st).Replace('-', '_')}";
            int baseSeed = r.GetValue(seed);
            var objects = new int[n];
            Parallel.For(0, n, i =>
            {
                var frame = SyntheticFrames.Generate(settings with { Seed = Seeds.Mix(baseSeed, i, 13) });
                string name = string.Create(CultureInfo.InvariantCulture, $"{stem}_{i:0000}");
                TiffWriter.WriteImage(Path.Combine(dir, name + "_img.tif"), frame.Image, settings.BitDepth);
                TiffWriter.WriteLabels(Path.Combine(dir, name + "_masks.tif"), frame.Masks);
                objects[i] = frame.Masks.MaxLabel;
            });
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {n} {SynthStyleNames.Name(st)} frames ({px}x{px}, {settings.BitDepth}-bit, {objects.Sum()} objects) to {dir}"));
            return CliApp.Ok;
        });
        return cmd;
    }
}
