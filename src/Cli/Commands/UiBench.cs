using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using AcqSeg.AllRolesHost;
using AcqSeg.Cli.Diagnostics;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg bench --ui`: the review editor in headless Chromium on one synthetic SIZE x SIZE 16-bit frame served by the
/// embedded service (in-memory bus, SQLite): time to first paint (navigation to the frame painted with its masks), each
/// load's transfer (compact types, gzip), the time from an edit's input event to the frame that shows it painted
/// (delete, undo, brush dab, fed as real input events), draw times while panning, and the first switch to the flows
/// and cell-probability views. Masks are the frame's own (flows computed from them, as `acqseg flows` does), or with
/// --model a segmentation by that model (its masks and network output, as the worker keeps them with SaveFlows).
/// </summary>
internal static class UiBench
{
    private const int Width = 1280, Height = 800, EditsPerKind = 5;
    private static readonly TimeSpan PageTimeout = TimeSpan.FromMinutes(3);

    public sealed record Settings(string Chromium, int Size, int Loads, string? ModelPath, string? Screenshots);

    public static int Run(CliConsole console, Settings s)
    {
        if (!File.Exists(s.Chromium))
            throw new UsageException($"--chromium '{s.Chromium}': no such file; install Debian's chromium (apt-get install -y chromium) or give the browser's path");
        if (s.Screenshots is not null) Directory.CreateDirectory(s.Screenshots);
        string root = Path.Combine(Path.GetTempPath(), $"acqseg-ui-bench-{Environment.ProcessId}");
        try
        {
            return RunAsync(console, s, root).GetAwaiter().GetResult();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>An ROI to edit: a point inside it and the last pixel inside it to the right of that (a brush dab there
    /// reaches unlabelled pixels, so it changes the masks).</summary>
    private sealed record Roi(int Label, int X, int Y, int EdgeX);

    private sealed record Frame(string Image, string Masks, string Flows, int Objects, string Source, IReadOnlyList<Roi> Rois);

    /// <summary>The frame, its masks and its flows under OUT/bench (inside the roots the review host reads).</summary>
    private static Frame WriteFrame(CliConsole console, Settings s, string folder)
    {
        Directory.CreateDirectory(folder);
        var synth = SyntheticFrames.Generate(new SynthSettings
        {
            Style = SynthStyle.Nuclei, Height = s.Size, Width = s.Size, Diameter = 30, Density = 0.12, Seed = s.Size, BitDepth = 16,
        });
        string image = Path.Combine(folder, "frame.tif");
        TiffWriter.WriteImage(image, synth.Image, 16);
        LabelImage masks;
        float[] dy, dx, cellprob;
        string source;
        if (s.ModelPath is null)
        {
            masks = synth.Masks;
            (dy, dx, cellprob) = FlowsCommand.FromMasks(masks);
            source = "the frame's own masks, flows computed from them (acqseg flows)";
        }
        else
        {
            console.Out.WriteLine($"segmenting the {s.Size}x{s.Size} frame with {s.ModelPath} ...");
            using var model = CellposeModel.Load(s.ModelPath, DeviceChoice.Parse("cpu"));
            var result = new FrameSegmenter(model).Segment(synth.Image, new SegmentSettings { Diameter = 30, Fast = true });
            masks = result.Masks;
            (dy, dx, cellprob) = (result.Network.DY, result.Network.DX, result.Network.CellProb);
            source = $"segmented by {Path.GetFileName(s.ModelPath)} (fast path, diameter 30): its masks and network output";
        }
        string masksPath = Path.Combine(folder, "frame_cp_masks.tif");
        TiffWriter.WriteLabels(masksPath, masks);
        string flows = Path.Combine(folder, "frame_flows.tif");
        TiffWriter.WriteFloatPages(flows, [dy, dx, cellprob], s.Size, s.Size);
        return new Frame(image, masksPath, flows, masks.CountObjects(), source, EditableRois(masks));
    }

    /// <summary>ROIs spread over the frame (every n-th by label) whose centroid lies in them and whose right edge borders
    /// the background, for the edits.</summary>
    private static List<Roi> EditableRois(LabelImage masks)
    {
        var sums = new Dictionary<int, (double X, double Y, int N)>();
        for (int y = 0; y < masks.Height; y++)
            for (int x = 0; x < masks.Width; x++)
            {
                int v = masks.Labels[y * masks.Width + x];
                if (v == 0) continue;
                var (sx, sy, n) = sums.GetValueOrDefault(v);
                sums[v] = (sx + x, sy + y, n + 1);
            }
        var usable = new List<Roi>();
        foreach (var (label, (sx, sy, n)) in sums.OrderBy(kv => kv.Key))
        {
            int x = (int)(sx / n), y = (int)(sy / n);
            if (n < 50 || masks[y, x] != label) continue;
            int edge = x;
            while (edge + 1 < masks.Width && masks[y, edge + 1] == label) edge++;
            if (edge + 3 < masks.Width && masks[y, edge + 1] == 0 && masks[y, edge + 2] == 0) usable.Add(new Roi(label, x, y, edge));
        }
        int step = Math.Max(1, usable.Count / (2 * EditsPerKind));
        return usable.Where((_, i) => i % step == 0).Take(2 * EditsPerKind).ToList();
    }

    private static async Task<int> RunAsync(CliConsole console, Settings s, string root)
    {
        var o = console.Out;
        var inv = CultureInfo.InvariantCulture;
        string output = Path.Combine(root, "out"), watch = Path.Combine(root, "watch");
        Directory.CreateDirectory(watch);
        var frame = WriteFrame(console, s, Path.Combine(output, "bench"));
        if (frame.Rois.Count < 2 * EditsPerKind)
            throw new InvalidOperationException($"the frame has {frame.Rois.Count} ROIs apart from others; the edits need {2 * EditsPerKind}: use a larger --ui-size");
        string weights = Path.Combine(root, "bench.pth");
        await File.WriteAllTextAsync(weights, "never loaded: the frame is stored segmented");
        var settings = new RunSettings { WatchFolders = [watch], OutputFolder = output, ModelName = "bench", ModelPath = weights, Http = "127.0.0.1:0" };
        // The host's start-up lines would bury the figures.
        await using var app = AcqSegHost.Build(settings, [new("Logging:LogLevel:Default", "Warning")]);
        await app.StartAsync();
        try
        {
            string site = app.Urls.First().TrimEnd('/');
            var id = await StoreFlaggedAsync(app.Services.GetRequiredService<FrameStore>(), frame, s.Size);
            string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            int added = CliApp.Run(["users", "add", "bench", "--db", settings.DatabaseConnection, "--password-stdin"], TextWriter.Null, console.Error,
                new StringReader(password + "\n"));
            if (added != CliApp.Ok) throw new InvalidOperationException($"acqseg users add bench exited with {added}");

            await using var browser = await DevToolsBrowser.LaunchAsync(s.Chromium, Width, Height, TimeSpan.FromSeconds(60));
            o.WriteLine($"acqseg bench --ui: {s.Size}x{s.Size} uint16 frame, {frame.Objects} ROIs ({frame.Source}); {browser.Version} headless, " +
                        $"software rendering (--disable-gpu), {Width}x{Height} page; {s.Loads} loads");
            o.WriteLine($"machine: {MachineInfo.Describe()}; load average before: {MachineInfo.LoadAverage(all: true)}");
            await browser.NavigateAsync($"{site}/ui/signin.html", "!!document.getElementById('name')", PageTimeout);
            var signIn = await browser.EvaluateAsync(
                $"fetch('/api/auth/login', {{ method: 'POST', headers: {{ 'Content-Type': 'application/json' }}, body: JSON.stringify({{ name: 'bench', password: '{password}' }}) }}).then(r => r.status)");
            if (signIn.GetInt32() != 200) throw new InvalidOperationException($"signing in as bench answered {signIn.GetInt32()}");

            var loads = new List<JsonElement>();
            for (int k = 1; k <= s.Loads; k++)
            {
                await browser.NavigateAsync($"{site}/ui/editor.html?id={id}&load={k}",
                    "document.body.dataset.ready === 'true' && typeof window.acqsegEditor.timings.firstPaint === 'number'", PageTimeout);
                loads.Add(await browser.EvaluateAsync(LoadFiguresScript));
            }
            if (s.Screenshots is not null) await browser.ScreenshotAsync(Path.Combine(s.Screenshots, $"editor-{s.Size}.png"));
            var edits = await EditAsync(browser, frame.Rois);
            var pan = await PanAsync(browser);
            await browser.KeyAsync("0"); // fit again after the pan
            var views = new List<(string View, double Ms)>();
            foreach (string view in new[] { "flows", "cellprob" })
            {
                views.Add(($"first switch to the {view} view (fetch, decode, draw; the first request renders both views)", (await browser.EvaluateAsync(SwitchViewScript(view))).GetDouble()));
                if (s.Screenshots is not null) await browser.ScreenshotAsync(Path.Combine(s.Screenshots, $"editor-{s.Size}-{view}.png"));
            }
            // Reopened: the service answers with the picture it kept.
            await browser.NavigateAsync($"{site}/ui/editor.html?id={id}&load=again",
                "document.body.dataset.ready === 'true' && typeof window.acqsegEditor.timings.firstPaint === 'number'", PageTimeout);
            views.Add(("switch to the flows view after reopening (the kept picture)", (await browser.EvaluateAsync(SwitchViewScript("flows"))).GetDouble()));

            o.WriteLine();
            o.WriteLine("| measure | n | median ms | min ms | max ms |");
            o.WriteLine("|---|---|---|---|---|");
            void Row(string name, IReadOnlyList<double> values) => o.WriteLine(string.Create(inv,
                $"| {name} | {values.Count} | {Median(values):0.0} | {values.Min():0.0} | {values.Max():0.0} |"));
            Row("time to first paint (navigation to the frame painted with its masks)", loads.Select(l => l.GetProperty("firstPaint").GetDouble()).ToList());
            Row("  pixels fetched (request to last byte)", loads.Select(l => l.GetProperty("pixels").GetProperty("ms").GetDouble()).ToList());
            Row("  labels fetched", loads.Select(l => l.GetProperty("labels").GetProperty("ms").GetDouble()).ToList());
            foreach (var kind in edits.Where(e => e.Name != "pan").GroupBy(e => e.Name)) Row($"edit to painted frame: {kind.Key}", kind.Select(e => e.Ms).ToList());
            Row("pan step to painted frame (right-drag at fit zoom)", pan);
            foreach (var (what, ms) in views) Row(what, [ms]);

            var first = loads[0];
            long n = (long)s.Size * s.Size;
            o.WriteLine();
            o.WriteLine("| payload | before (float32 / int32) bytes | compact type | decoded bytes | on the wire (gzip) bytes |");
            o.WriteLine("|---|---|---|---|---|");
            foreach (string payload in new[] { "pixels", "labels" })
            {
                var p = first.GetProperty(payload);
                o.WriteLine(string.Create(inv,
                    $"| {payload} | {4 * n} | {p.GetProperty("type").GetString()} | {p.GetProperty("decoded").GetInt64()} | {p.GetProperty("encoded").GetInt64()} |"));
            }
            o.WriteLine($"load average after: {MachineInfo.LoadAverage(all: true)}");
            return CliApp.Ok;
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static async Task<Guid> StoreFlaggedAsync(FrameStore frames, Frame frame, int size)
    {
        var id = Guid.NewGuid();
        if (!await frames.TryAddAcquiredAsync(new FrameRow
            {
                Id = id.ToString(), Acquisition = "bench", Path = frame.Image, Sha256 = id.ToString("N"), SizeBytes = new FileInfo(frame.Image).Length,
                Model = "bench", AcquiredAt = Database.Timestamp(DateTimeOffset.UtcNow),
            }))
            throw new InvalidOperationException("the bench frame could not be stored");
        var stats = new FrameStatsRow { Height = size, Width = size, ObjectCount = frame.Objects, Style = "" };
        if (!await frames.TryCompleteAsync(new SegmentationRecord(id, true, 1, frame.Masks, frame.Flows, null, null, stats,
                [new ReviewReason("bench", "stored by acqseg bench --ui")])))
            throw new InvalidOperationException("the bench frame could not be marked segmented");
        return id;
    }

    /// <summary>Delete (Ctrl+click), undo (Ctrl+Z) and a brush dab on ROIs across the frame, as real input events; each
    /// is checked to have changed the masks.</summary>
    private static async Task<List<(string Name, double Ms)>> EditAsync(DevToolsBrowser browser, IReadOnlyList<Roi> rois)
    {
        async Task<(double X, double Y)> ClientAsync(double x, double y)
        {
            var p = await browser.EvaluateAsync(string.Create(CultureInfo.InvariantCulture, $"window.acqsegEditor.toClient({x + 0.5}, {y + 0.5})"));
            return (p.GetProperty("x").GetDouble(), p.GetProperty("y").GetDouble());
        }
        async Task<int> AreaAsync(int label) => (await browser.EvaluateAsync(
            $"(() => {{ let n = 0; const l = window.acqsegEditor.labels(); for (let i = 0; i < l.length; i++) if (l[i] === {label}) n++; return n; }})()")).GetInt32();
        async Task<int> RecordedAsync() => (await browser.EvaluateAsync("window.acqsegEditor.timings.inputs.length")).GetInt32();
        async Task ClickAsync(double x, double y, int modifiers = 0)
        {
            var (cx, cy) = await ClientAsync(x, y);
            await browser.MouseAsync("mouseMoved", cx, cy);
            await browser.MouseAsync("mousePressed", cx, cy, buttons: 1, modifiers: modifiers);
            await browser.MouseAsync("mouseReleased", cx, cy, modifiers: modifiers);
        }

        int done = await RecordedAsync();
        foreach (var roi in rois.Take(EditsPerKind))
        {
            int area = await AreaAsync(roi.Label);
            await ClickAsync(roi.X, roi.Y, modifiers: 2);
            await browser.WaitForAsync($"window.acqsegEditor.timings.inputs.length >= {++done}", PageTimeout);
            if (await AreaAsync(roi.Label) != 0) throw new InvalidOperationException($"Ctrl+click on ROI {roi.Label} did not delete it");
            await browser.KeyAsync("z", modifiers: 2);
            await browser.WaitForAsync($"window.acqsegEditor.timings.inputs.length >= {++done}", PageTimeout);
            if (await AreaAsync(roi.Label) != area) throw new InvalidOperationException($"Ctrl+Z did not bring ROI {roi.Label} back");
        }
        await browser.KeyAsync("b");
        foreach (var roi in rois.Skip(EditsPerKind).Take(EditsPerKind))
        {
            int area = await AreaAsync(roi.Label);
            await browser.KeyAsync("Escape");
            await ClickAsync(roi.EdgeX, roi.Y);
            await browser.WaitForAsync($"window.acqsegEditor.timings.inputs.length >= {++done}", PageTimeout);
            if (await AreaAsync(roi.Label) <= area) throw new InvalidOperationException($"the brush dab at ROI {roi.Label}'s edge did not grow it");
        }
        await browser.KeyAsync("v");
        var inputs = await InputsAsync(browser);
        // Undone again, so that the editor has no unsaved edits and lets the page be reopened without asking.
        for (int k = 0; k < EditsPerKind; k++)
        {
            await browser.KeyAsync("z", modifiers: 2);
            await browser.WaitForAsync($"window.acqsegEditor.timings.inputs.length >= {++done}", PageTimeout);
        }
        return inputs;
    }

    private static async Task<List<(string Name, double Ms)>> InputsAsync(DevToolsBrowser browser)
    {
        var recorded = await browser.EvaluateAsync("window.acqsegEditor.timings.inputs");
        return recorded.EnumerateArray().Select(e => (e.GetProperty("name").GetString()!, e.GetProperty("ms").GetDouble())).ToList();
    }

    /// <summary>Right-drags across the canvas in 60 steps at the fit zoom (the whole frame scaled each frame), one step
    /// per animation frame; answers each step's input-to-painted-frame time.</summary>
    private static async Task<List<double>> PanAsync(DevToolsBrowser browser)
    {
        await browser.KeyAsync("0");
        double x = 300, y = 300;
        await browser.MouseAsync("mouseMoved", x, y);
        await browser.MouseAsync("mousePressed", x, y, button: "right", buttons: 2);
        for (int k = 0; k < 60; k++)
        {
            x += k < 30 ? 6 : -6;
            y += 3;
            await browser.MouseAsync("mouseMoved", x, y, button: "right", buttons: 2);
            await browser.EvaluateAsync("new Promise(r => requestAnimationFrame(() => setTimeout(() => r(0))))");
        }
        await browser.MouseAsync("mouseReleased", x, y, button: "right");
        return (await InputsAsync(browser)).Where(i => i.Name == "pan").Select(i => i.Ms).ToList();
    }

    /// <summary>Clicks a view's button and answers the ms until the view is drawn and painted.</summary>
    private static string SwitchViewScript(string view) => $$"""
        new Promise(resolve => {
          const t0 = performance.now();
          document.querySelector('[data-view="{{view}}"]').click();
          const wait = () => document.body.dataset.view === '{{view}}'
            ? requestAnimationFrame(() => requestAnimationFrame(() => { const c = new MessageChannel(); c.port1.onmessage = () => resolve(performance.now() - t0); c.port2.postMessage(0); }))
            : setTimeout(wait, 2);
          wait();
        })
        """;

    private const string LoadFiguresScript = """
        (() => {
          const resources = performance.getEntriesByType('resource');
          const pick = (kind, type) => {
            const e = resources.find(r => r.name.includes('/' + kind + '?'));
            return { ms: e.responseEnd - e.startTime, encoded: e.encodedBodySize, decoded: e.decodedBodySize, type };
          };
          const editor = window.acqsegEditor;
          return { firstPaint: editor.timings.firstPaint, pixels: pick('pixels', editor.sampleTypes.pixels), labels: pick('labels', editor.sampleTypes.labels) };
        })()
        """;

    private static double Median(IReadOnlyList<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
