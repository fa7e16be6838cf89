namespace AcqSeg.Cli;

/// <summary>
/// Turns `--model` into a weight file: a path to a .pth as given, or a zoo name looked up as models/NAME/model.pth in
/// the zoo folder ($ACQSEG_ZOO, else the `models` folder beside the program, else the repository's `models` folder).
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

    public static string Resolve(string model)
    {
        if (string.IsNullOrWhiteSpace(model)) throw new UsageException("--model is empty; give a zoo name or a .pth path");
        if (File.Exists(model)) return Path.GetFullPath(model);
        bool looksLikePath = model.Contains('/') || model.Contains('\\') || model.EndsWith(".pth", StringComparison.OrdinalIgnoreCase);
        if (!looksLikePath)
        {
            string? root = ZooRoot();
            if (root is not null)
            {
                string candidate = Path.Combine(root, model, "model.pth");
                if (File.Exists(candidate)) return candidate;
            }
        }
        var names = ZooNames();
        string known = names.Count == 0 ? "the zoo has no models" : "zoo models: " + string.Join(", ", names);
        throw new UsageException(looksLikePath
            ? $"--model '{model}': file not found; give an existing .pth path or a zoo name ({known})"
            : $"--model '{model}': no such zoo model and no such file ({known})");
    }
}
