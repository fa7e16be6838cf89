using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AcqSeg.Cli.Diagnostics;

/// <summary>
/// A headless Chromium driven over the DevTools protocol (one page, flattened session): what `acqseg bench --ui` needs
/// to open the review editor and feed it real input events. Playwright does the same for the browser tests, but its
/// driver (135 MB with its own Node) has no place in the acqseg command and its image; the protocol is a WebSocket.
/// </summary>
public sealed partial class DevToolsBrowser : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private int _nextId;
    private string _session = "";

    private DevToolsBrowser(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The browser's product and version, e.g. Chrome/156.0.8078.129.</summary>
    public string Version { get; private set; } = "";

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex ListeningLine();

    /// <summary>Starts <paramref name="executable"/> headless with a fresh profile and opens one page of the given size.</summary>
    public static async Task<DevToolsBrowser> LaunchAsync(string executable, int width, int height, TimeSpan timeout)
    {
        string profile = Path.Combine(Path.GetTempPath(), $"acqseg-devtools-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--disable-extensions", "--remote-debugging-port=0", $"--user-data-dir={profile}", $"--window-size={width},{height}",
                     "about:blank",
                 })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        var browser = new DevToolsBrowser(process, profile);
        try
        {
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            string url = await ReadListeningUrlAsync(process, timeout);
            await browser._socket.ConnectAsync(new Uri(url), CancellationToken.None);
            browser._receiving = Task.Run(browser.ReceiveAsync);
            browser.Version = (await browser.SendAsync("Browser.getVersion", null, browserLevel: true))["product"]!.GetValue<string>();
            string target = (await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true))["targetId"]!.GetValue<string>();
            browser._session = (await browser.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target, ["flatten"] = true }, browserLevel: true))
                ["sessionId"]!.GetValue<string>();
            await browser.SendAsync("Page.enable");
            await browser.SendAsync("Emulation.setDeviceMetricsOverride",
                new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private static async Task<string> ReadListeningUrlAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var said = new StringBuilder();
        while (true)
        {
            string? line;
            try
            {
                line = await process.StandardError.ReadLineAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException($"the browser did not open its DevTools port within {timeout.TotalSeconds:0} s; it said: {said}");
            }
            if (line is null) throw new InvalidOperationException($"the browser exited before opening its DevTools port; it said: {said}");
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                // Keep draining its standard error so that it never blocks on a full pipe.
                _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
                return match.Groups[1].Value;
            }
            said.AppendLine(line);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                var node = JsonNode.Parse(message.ToArray());
                message.SetLength(0);
                // Only answers are awaited; events (no id) are not needed: the bench polls the page.
                if (node?["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var waiting)) waiting.TrySetResult(node);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        foreach (var waiting in _pending.Values) waiting.TrySetException(new InvalidOperationException("the browser closed its DevTools connection"));
    }

    /// <summary>One protocol command on the page (or the browser); its result, or an exception with the browser's error.</summary>
    public async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null, bool browserLevel = false)
    {
        int id = Interlocked.Increment(ref _nextId);
        var request = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (!browserLevel) request["sessionId"] = _session;
        var answer = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        var node = await answer.Task.WaitAsync(TimeSpan.FromMinutes(5));
        if (node["error"] is { } error) throw new InvalidOperationException($"{method}: {error["message"]}");
        return node["result"] ?? new JsonObject();
    }

    /// <summary>Evaluates a JavaScript expression in the page (a promise is awaited) and returns its value as JSON.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (result["exceptionDetails"] is { } failure)
            throw new InvalidOperationException($"the page threw: {failure["exception"]?["description"] ?? failure["text"]}");
        var value = result["result"]?["value"];
        return value is null ? default : JsonDocument.Parse(value.ToJsonString()).RootElement.Clone();
    }

    /// <summary>Navigates and waits until <paramref name="readyExpression"/> is true in the new page.</summary>
    public async Task NavigateAsync(string url, string readyExpression, TimeSpan timeout)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync($"location.href === {JsonSerializer.Serialize(url)} && document.readyState === 'complete' && ({readyExpression})", timeout);
    }

    public async Task WaitForAsync(string expression, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await EvaluateAsync($"(() => {{ try {{ return !!({expression}); }} catch {{ return false; }} }})()");
            if (value.ValueKind == JsonValueKind.True) return;
            if (clock.Elapsed > timeout) throw new TimeoutException($"the page did not reach '{expression}' within {timeout.TotalSeconds:0} s");
            await Task.Delay(20);
        }
    }

    /// <summary>A mouse event at page coordinates (Input.dispatchMouseEvent; modifiers: 2 = Ctrl, buttons: 1 left, 2 right).</summary>
    public Task MouseAsync(string type, double x, double y, string button = "left", int buttons = 0, int modifiers = 0, int clickCount = 1) =>
        SendAsync("Input.dispatchMouseEvent", new JsonObject
        {
            ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = button, ["buttons"] = buttons, ["modifiers"] = modifiers, ["clickCount"] = clickCount,
        });

    /// <summary>Presses and releases one key (a letter or digit, Delete or Escape) with optional modifiers (2 = Ctrl).</summary>
    public async Task KeyAsync(string key, int modifiers = 0)
    {
        string code = key.Length != 1 ? key : char.IsDigit(key[0]) ? "Digit" + key : "Key" + key.ToUpperInvariant();
        int virtualKey = key.Length == 1 ? char.ToUpperInvariant(key[0]) : key switch { "Delete" => 46, "Escape" => 27, _ => 0 };
        var down = new JsonObject { ["type"] = "keyDown", ["key"] = key, ["code"] = code, ["windowsVirtualKeyCode"] = virtualKey, ["modifiers"] = modifiers };
        if (key.Length == 1 && modifiers == 0) down["text"] = key;
        await SendAsync("Input.dispatchKeyEvent", down);
        await SendAsync("Input.dispatchKeyEvent", new JsonObject { ["type"] = "keyUp", ["key"] = key, ["code"] = code, ["windowsVirtualKeyCode"] = virtualKey, ["modifiers"] = modifiers });
    }

    /// <summary>The page as a PNG file.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open) await SendAsync("Browser.close", null, browserLevel: true).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or WebSocketException)
        {
        }
        await _stop.CancelAsync();
        await _receiving;
        _socket.Dispose();
        if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _stop.Dispose();
        try { Directory.Delete(_profile, recursive: true); }
        catch (IOException) { }
    }
}
