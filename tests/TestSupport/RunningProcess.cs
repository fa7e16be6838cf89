using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AcqSeg.TestSupport;

/// <summary>
/// A child process a test drives while it runs: its output lines (stdout and stderr) as they arrive, a wait for a
/// line, a POSIX signal (what a service manager sends to stop it), a bounded wait for its exit. Disposing kills it, with
/// its children, when it is still running.
/// </summary>
public sealed class RunningProcess : IDisposable
{
    public const int SigTerm = 15;

    private readonly Process process;
    private readonly List<string> lines = [];
    private readonly string description;

    private RunningProcess(ProcessStartInfo start)
    {
        description = $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
        process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {description}");
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static RunningProcess Start(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return new RunningProcess(start);
    }

    public int Id => process.Id;

    /// <summary>Every line so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output
    {
        get
        {
            lock (lines) return string.Join("\n", lines);
        }
    }

    /// <summary>The first line that matches, waiting for it; fails with the output so far when the process ends first or
    /// the timeout passes.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (lines)
            {
                string? found = lines.FirstOrDefault(match);
                if (found is not null) return found;
            }
            if (process.HasExited)
            {
                process.WaitForExit(); // drains the output readers
                lock (lines)
                {
                    if (lines.FirstOrDefault(match) is { } late) return late;
                }
                throw new InvalidOperationException($"{description} exited with {process.ExitCode} before the awaited line; output:\n{Tail()}");
            }
            if (DateTime.UtcNow > until) throw new TimeoutException($"{description}: no awaited line within {timeout.TotalSeconds:0.#} s; output:\n{Tail()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Sends a POSIX signal (Linux and macOS).</summary>
    public void Signal(int signal)
    {
        if (kill(process.Id, signal) != 0) throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The exit code, once the process has exited; a <see cref="TimeoutException"/> (and the process killed)
    /// when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{description} still ran {timeout.TotalSeconds:0.#} s later and was killed; output:\n{Tail()}");
        }
        process.WaitForExit(); // drains the output readers
        return process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    private string Tail()
    {
        lock (lines) return string.Join("\n", lines.TakeLast(40));
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (lines) lines.Add(line);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
