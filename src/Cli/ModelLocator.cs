namespace AcqSeg.Cli;

/// <summary>
/// Turns `--model` into a weight file: a path to a .pth as given, a zoo name looked up as models/NAME/model.pth, or
/// NAME@V for any recorded version of it (models/NAME/versions/V/model.pth once superseded), in the zoo folder
/// ($ACQSEG_ZOO, else the `models` folder beside the program, else the repository's `models` folder).
/// </summary>
public static class ModelLocator
{
    public static string? ZooRoot()
    {
        string? env = Environment.GetEnvironmentVariable("ACQSEG_ZOO");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
        string beside = Path.Combine(AppContext.BaseDirectory, "models");
        if (Directory.Exists(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AcqSeg.sln")))
            {
                string models = Path.Combine(dir.FullName, "models");
                return Directory.Exists(models) ? models : null;
            }
        }
        return null;
    }

    /// <summary>Where a new zoo goes when none exists yet: the repository's models folder, else beside the program.</summary>
    public static string DefaultZooRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AcqSeg.sln"))) return Path.Combine(dir.FullName, "models");
        }
        return Path.Combine(AppContext.BaseDirectory, "models");
    }

    public static IReadOnlyList<string> ZooNames()
    {
        string? root = ZooRoot();
        if (root is null) return [];
        return Directory.EnumerateDirectories(root)
            .Where(d => File.Exists(Path.Combine(d, "model.pth")))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The service (`run`, `demo`) keeps its own live version per zoo model (review UI, `assign`), so it takes
    /// zoo names and files but not NAME@V, which would register a second model under that name.</summary>
    public static string ResolveForService(string model)
    {
        if (!File.Exists(model) && !LooksLikePath(model) && model.Contains('@'))
            throw new UsageException($"--model '{model}': the service runs a zoo model's live version; give the name ('{model.Split('@')[0]}') and choose the version in the review UI, or give that version's .pth");
        return Resolve(model);
    }

    /// <summary>A service model and its lineage name: a zoo name is its own lineage, a weight file's lineage is its file
    /// name without .pth.</summary>
    public static (string Name, string Path) ForService(string model)
    {
        string path = ResolveForService(model);
        bool isFile = File.Exists(model) || model.EndsWith(".pth", StringComparison.OrdinalIgnoreCase);
        return (isFile ? Path.GetFileNameWithoutExtension(path) : model, path);
    }

    private static bool LooksLikePath(string model) =>
        model.Contains('/') || model.Contains('\\') || model.EndsWith(".pth", StringComparison.OrdinalIgnoreCase);

    public static string Resolve(string model)
    {
        if (string.IsNullOrWhiteSpace(model)) throw new UsageException("--model is empty; give a zoo name or a .pth path");
        if (File.Exists(model)) return Path.GetFullPath(model);
        bool looksLikePath = LooksLikePath(model);
        if (!looksLikePath && SplitVersion(model, $"--model '{model}'") is (var name, { } version))
            return ZooVersion(model, name, version);
        if (!looksLikePath)
        {
            string? root = ZooRoot();
            if (root is not null)
            {
                string candidate = Path.Combine(root, model, "model.pth");
                if (File.Exists(candidate)) return candidate;
            }
        }
        string known = Known();
        throw new UsageException(looksLikePath
            ? $"--model '{model}': file not found; give an existing .pth path or a zoo name ({known})"
            : $"--model '{model}': no such zoo model and no such file ({known})");
    }

    /// <summary>NAME, or NAME@V with V a version number; <paramref name="what"/> starts the error message.</summary>
    public static (string Name, int? Version) SplitVersion(string model, string what)
    {
        if (model.Split('@') is not [var name, var v]) return (model, null);
        if (!int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int version))
            throw new UsageException($"{what}: the version after @ must be a number, e.g. nuclei@5");
        return (name, version);
    }

    /// <summary>NAME@V: a superseded (or the current) version's weights, with its own size model beside them.</summary>
    private static string ZooVersion(string model, string name, int v)
    {
        string? root = ZooRoot();
        if (root is null || !File.Exists(Path.Combine(root, name, "model.pth")))
            throw new UsageException($"--model '{model}': no zoo model '{name}' ({Known()})");
        try { return new AcqSeg.Models.Zoo.ModelZoo(root).WeightsPath(name, v); }
        catch (AcqSeg.Models.Zoo.ZooException ex) { throw new UsageException($"--model '{model}': {ex.Message}"); }
    }

    private static string Known()
    {
        var names = ZooNames();
        return names.Count == 0 ? "the zoo has no models" : "zoo models: " + string.Join(", ", names);
    }
}
