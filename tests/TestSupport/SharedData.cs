namespace AcqSeg.TestSupport;

/// <summary>
/// Locates files in ../shared (beside the repository). In CI (CI=true) a missing file fails the test; elsewhere the
/// test is skipped with a message saying what is missing.
/// </summary>
public static class SharedData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Root => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Reference(string name) => Require(Path.Combine("reference", "cellpose-v2", name));

    public static string RealFolder(string folder) => RequireDirectory(Path.Combine("data", "real", folder));

    public static string Require(string relative)
    {
        string full = Path.Combine(Root, relative);
        if (!File.Exists(full)) Missing(full);
        return full;
    }

    public static string RequireDirectory(string relative)
    {
        string full = Path.Combine(Root, relative);
        if (!Directory.Exists(full)) Missing(full);
        return full;
    }

    /// <summary>Every (image, masks) pair of the evaluation set: NAME_img.tif + NAME_masks.tif in each folder.</summary>
    public static IEnumerable<(string Folder, string Name, string Image, string Masks)> RealPairs()
    {
        string real = Path.Combine(Root, "data", "real");
        if (!Directory.Exists(real)) yield break;
        foreach (string dir in Directory.GetDirectories(real).Order(StringComparer.Ordinal))
        {
            foreach (string img in Directory.GetFiles(dir, "*_img.tif").Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(img)[..^"_img.tif".Length];
                yield return (Path.GetFileName(dir), name, img, Path.Combine(dir, name + "_masks.tif"));
            }
        }
    }

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static void Missing(string full)
    {
        if (InCi) throw new FileNotFoundException($"shared data missing in CI: {full}");
        throw new Xunit.SkipException($"shared data not present: {full}");
    }

    private static string FindRepoRoot()
    {
        string? baked = typeof(SharedData).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AcqSegRepoRoot")?.Value;
        if (baked is not null && File.Exists(Path.Combine(baked, "AcqSeg.sln"))) return Path.GetFullPath(baked);
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AcqSeg.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"AcqSeg.sln not found above {AppContext.BaseDirectory}");
    }
}
