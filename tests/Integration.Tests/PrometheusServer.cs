using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AcqSeg.TestSupport;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// A Prometheus server of the test's own (the Debian package's binary): a generated config scraping the given
/// targets every second, a temporary TSDB, a free loopback port. Disposing stops that process.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private readonly Process process;
    private readonly TestSupport.TempFolder folder = new("acqseg-prometheus");
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusServer(string binary, IReadOnlyList<string> targets)
    {
        Port = FreePort();
        string config = folder.File("prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: acqseg
                metrics_path: /metrics
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            $"--config.file={config}", $"--web.listen-address=127.0.0.1:{Port}", $"--storage.tsdb.path={folder.File("tsdb")}",
            "--log.level=warn",
        }) start.ArgumentList.Add(arg);
        process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        // Drain its output so a full pipe never blocks it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public List<string> Log { get; } = [];

    public static async Task<PrometheusServer> StartAsync(params string[] targets)
    {
        var server = new PrometheusServer(Servers.PrometheusBinary, targets);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (server.process.HasExited) break;
            try
            {
                using var ready = await server.http.GetAsync(new Uri(server.BaseAddress, "-/ready"));
                if (ready.IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        string log = string.Join("\n", server.Log);
        server.Dispose();
        throw new InvalidOperationException($"Prometheus did not become ready: {log}");
    }

    /// <summary>An instant query's scalar result: the value of the first series, or null when the result is empty.</summary>
    public async Task<double?> QueryScalarAsync(string promql)
    {
        var uri = new Uri(BaseAddress, "api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var doc = JsonDocument.Parse(await http.GetStringAsync(uri));
        var data = doc.RootElement.GetProperty("data");
        var result = data.GetProperty("result");
        if (result.GetArrayLength() == 0) return null;
        string value = result[0].GetProperty("value")[1].GetString()!;
        return double.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Health of each scrape target as Prometheus last saw it ("up", "down", "unknown").</summary>
    public async Task<IReadOnlyList<(string Url, string Health)>> TargetsAsync()
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(BaseAddress, "api/v1/targets")));
        return doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Select(t => (t.GetProperty("scrapeUrl").GetString()!, t.GetProperty("health").GetString()!)).ToList();
    }

    /// <summary>
    /// A port free now, below Linux's ephemeral range (32768-60999): a port the kernel hands out for port 0 can be
    /// taken by any outgoing connection (the broker and database clients open many) before the service binds it.
    /// </summary>
    public static int FreePort()
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(20000, 32000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use: try another.
            }
        }
        throw new InvalidOperationException("no free TCP port found in 20000-31999 on 127.0.0.1");
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        http.Dispose();
        folder.Dispose();
    }
}
