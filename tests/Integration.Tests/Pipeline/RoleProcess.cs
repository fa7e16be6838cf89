using System.Diagnostics;
using AcqSeg.AllRolesHost;
using AcqSeg.TestSupport;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// A role's own process (`dotnet AcqSeg.SegmentWorker.dll`, built beside the tests) configured through environment
/// variables as a deployment configures it; the test can kill it like a crash would.
/// </summary>
public sealed class RoleProcess : IDisposable
{
    private readonly Process process;
    private readonly List<string> log = [];

    private RoleProcess(string assembly, RunSettings settings, IReadOnlyDictionary<string, string?> overrides, string workingDirectory)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, assembly);
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is missing: the test project references the role's project, so the build puts it there", dll);
        var start = new ProcessStartInfo(ChildProcess.DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in AcqSegHost.Configuration(settings).Concat(overrides))
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        start.Environment["ASPNETCORE_URLS"] = $"http://{settings.Http}";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        process = Process.Start(start) ?? throw new InvalidOperationException($"could not start dotnet {dll}");
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public bool HasExited => process.HasExited;

    public string Log
    {
        get
        {
            lock (log) return string.Join("\n", log.TakeLast(60));
        }
    }

    public static RoleProcess Start(string assembly, RunSettings settings, IReadOnlyDictionary<string, string?> overrides, string workingDirectory) =>
        new(assembly, settings, overrides, workingDirectory);

    /// <summary>Ends it at once, as a crash or an OOM kill would: no graceful shutdown, no acknowledgements.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit(30_000);
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) Kill();
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (log) log.Add(line);
    }
}
