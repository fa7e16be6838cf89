using System.Diagnostics;

namespace AcqSeg.TestSupport;

/// <summary>What a child process left: exit code, standard output and standard error.</summary>
public sealed record ChildProcessResult(int ExitCode, string Output, string Error);

/// <summary>
/// Runs a program to its end for a test, capturing both output streams at once (reading one to its end before the other
/// can deadlock once the child fills the other's pipe) and killing it, with its children, when it runs past the timeout.
/// </summary>
public static class ChildProcess
{
    public static async Task<ChildProcessResult> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} ran over {timeout.TotalSeconds:0.#} s and was killed");
        }
        return new ChildProcessResult(process.ExitCode, await output, await error);
    }

    public static ChildProcessResult Run(string program, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null) =>
        RunAsync(program, args, timeout, environment).GetAwaiter().GetResult();

    /// <summary>The dotnet host running these tests (dotnet test sets DOTNET_HOST_PATH), else DOTNET_ROOT's, else PATH's.</summary>
    public static string DotnetHost()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment)) return fromEnvironment;
        string? root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }
}
