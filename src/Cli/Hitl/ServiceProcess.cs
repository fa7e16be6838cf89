using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AcqSeg.Cli.Hitl;

/// <summary>
/// `acqseg run` as a child process of this program (the same build), or another program (a server's control tool), its
/// output appended to a log file. Stopped with SIGTERM, as a process manager stops it, and killed only when it does not
/// end in time; <see cref="Kill"/> ends it as a crash would.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServiceProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    /// <summary>Null while the process runs, else how it ended (for error messages).</summary>
    public string? Exited => _process.HasExited ? $"acqseg run exited with code {_process.ExitCode}; see its log" : null;

    /// <summary>Starts `acqseg ARGS` with extra configuration as environment variables (Section__Key=value).</summary>
    public static ServiceProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        // The program running now: `dotnet acqseg.dll` or the published apphost.
        string host = Environment.ProcessPath ?? "dotnet";
        IEnumerable<string> all = Path.GetFileNameWithoutExtension(host) == "dotnet" ? [typeof(ServiceProcess).Assembly.Location, .. args] : args;
        return StartProgram(host, all, environment, logFile);
    }

    /// <summary>Starts any program the same way (its output appended to <paramref name="logFile"/>).</summary>
    public static ServiceProcess StartProgram(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        var start = new ProcessStartInfo { FileName = program, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        try
        {
            if (!process.Start()) throw new InvalidOperationException($"could not start {program}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            log.Dispose();
            throw new InvalidOperationException($"could not start {program}: {ex.Message}", ex);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process, log);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once the process ends; killed, and a <see cref="TimeoutException"/>, when it runs longer
    /// than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_process.StartInfo.FileName} still ran after {timeout.TotalSeconds:0} s and was killed");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as a crash or the kernel's OOM killer ends a process: no shutdown, no acknowledgements.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>A loopback TCP port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGTERM, then waits; kills the process tree when it has not ended after <paramref name="grace"/>.
    /// Returns the seconds it took to end.</summary>
    public async Task<double> StopAsync(TimeSpan grace)
    {
        var clock = Stopwatch.StartNew();
        if (_process.HasExited) return 0;
        if (OperatingSystem.IsWindows()) _process.Kill(entireProcessTree: true);
        else SendTerm(_process.Id);
        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        return clock.Elapsed.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    /// <summary>SIGTERM through kill(1): .NET can only send SIGKILL itself.</summary>
    private static void SendTerm(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", "TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }
}
