using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AcqSeg.Cli.Hitl;

/// <summary>
/// `acqseg run` as a child process of this program (the same build), its output appended to a log file. Stopped with
/// SIGTERM, as a process manager stops it, and killed only when it does not end in time.
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
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // The program running now: `dotnet acqseg.dll` or the published apphost.
        string host = Environment.ProcessPath ?? "dotnet";
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(ServiceProcess).Assembly.Location);
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"could not start {host}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process, log);
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
