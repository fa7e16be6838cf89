namespace AcqSeg.Cli;

/// <summary>Expands files and folders given on the command line into the TIFFs to process.</summary>
public static class InputFiles
{
    private static readonly string[] OutputSuffixes =
        ["_cp_masks.tif", "_flows.tif", "_masks.tif", "_cp_dP.tif", "_cp_cellprob.tif", "_cp_masks.png", "_cp_outlines.png", "_masks.png", "_outlines.png"];

    /// <summary>Files are taken as given; folders contribute their *.tif/*.tiff (and with <paramref name="rasters"/> their
    /// *.png/*.jpg/*.jpeg; not recursive), minus outputs and ground truth (names ending _masks.tif, _cp_masks.tif,
    /// _flows.tif, _cp_masks.png, ...) unless <paramref name="suffix"/> selects them.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs, string? suffix = null, bool excludeOutputs = true, bool rasters = false)
    {
        var files = new List<string>();
        // An unknown option lands among the inputs (the inputs argument takes any token); name it first.
        string? option = inputs.FirstOrDefault(i => i.StartsWith('-') && !File.Exists(i) && !Directory.Exists(i));
        if (option is not null) throw new UsageException($"unknown option '{option}'; see --help");
        foreach (string input in inputs)
        {
            if (File.Exists(input))
            {
                files.Add(input);
            }
            else if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input)
                    .Where(f => f.EndsWith(".tif", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".tiff", StringComparison.OrdinalIgnoreCase)
                                || (rasters && AcqSeg.Imaging.Io.RasterReader.Handles(f)))
                    .Where(f => suffix is null || Path.GetFileName(f).EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                    .Where(f => !excludeOutputs || suffix is not null || !IsOutputOrLabel(f))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0)
                    throw new UsageException($"folder '{input}' has no {(suffix is null ? "input" : "*" + suffix)} {(rasters ? "TIFF, PNG or JPEG" : "TIFF")} files");
                files.AddRange(found);
            }
            else
            {
                throw new UsageException($"input '{input}' does not exist; give {(rasters ? "image" : "TIFF")} files or folders");
            }
        }
        return files;
    }

    public static bool IsOutputOrLabel(string path)
    {
        string name = Path.GetFileName(path);
        return OutputSuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>X.tif -> X (no extension).</summary>
    public static string Stem(string path) => Path.GetFileNameWithoutExtension(path);

    public static string OutputPath(string input, string? outDir, string suffix)
    {
        string dir = outDir ?? Path.GetDirectoryName(Path.GetFullPath(input))!;
        return Path.Combine(dir, Stem(input) + suffix);
    }
}
