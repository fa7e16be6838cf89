using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using AcqSeg.Hosts.Tests.ReviewHost;
using AcqSeg.Imaging.Io;
using AcqSeg.Persistence;
using Microsoft.Playwright;

namespace AcqSeg.ReviewUi.Tests;

/// <summary>
/// The curator UI in Debian's Chromium, headless, driven by Playwright (never a downloaded browser). Few and
/// sequential: each starts its own host and browser.
/// </summary>
[Collection("browser")]
public partial class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static async Task<(IPlaywright Playwright, IBrowserContext Context, string Profile)> LaunchAsync(string? timezone = null,
        int height = 800)
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        Skip.If(!File.Exists(Chromium) && !ci, $"{Chromium} is missing: apt-get install -y chromium (ops/services.sh does)");
        var playwright = await Playwright.CreateAsync();
        string profile = Path.Combine(Path.GetTempPath(), $"acqseg-chromium-{Guid.NewGuid():N}");
        var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1280, Height = height },
            TimezoneId = timezone,
            // The pages' CSP forbids eval; Playwright's WaitForFunction evaluates its expression in the page.
            BypassCSP = true,
        });
        return (playwright, context, profile);
    }

    private static async Task CloseAsync(IPlaywright playwright, IBrowserContext context, string profile)
    {
        await context.CloseAsync();
        playwright.Dispose();
        try { Directory.Delete(profile, recursive: true); }
        catch (IOException) { }
    }

    private static string Screenshots([CallerFilePath] string source = "")
    {
        string dir = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "artifacts", "screenshots"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static async Task<(float X, float Y)> ClientAsync(IPage page, double x, double y)
    {
        var p = await page.EvaluateAsync<JsonElement>($"window.acqsegEditor.toClient({x}, {y})");
        return ((float)p.GetProperty("x").GetDouble(), (float)p.GetProperty("y").GetDouble());
    }

    /// <summary>Signs in on the sign-in page and waits for the queue it leads to.</summary>
    private static async Task SignInAsync(IPage page, string site, string name)
    {
        await page.GotoAsync($"{site}/ui/signin.html");
        await page.FillAsync("#name", name);
        await page.FillAsync("#password", ReviewHostFixture.Password);
        await page.ClickAsync("#submit");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/ui/queue\.html"));
    }

    /// <summary>Picks the brush (B) and drags it from one frame pixel to another.</summary>
    private static async Task BrushAsync(IPage page, (double X, double Y) from, (double X, double Y) to)
    {
        await page.Keyboard.PressAsync("b");
        var (x0, y0) = await ClientAsync(page, from.X, from.Y);
        var (x1, y1) = await ClientAsync(page, to.X, to.Y);
        await page.Mouse.MoveAsync(x0, y0);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x1, y1, new MouseMoveOptions { Steps = 6 });
        await page.Mouse.UpAsync();
    }

    private static Task<int> LabelAtAsync(IPage page, int x, int y) => page.EvaluateAsync<int>($"window.acqsegEditor.labelAt({x}, {y})");

    private static async Task<string?> CountAsync(IPage page, string which) => await page.GetAttributeAsync("#counts", $"data-{which}");

    [SkippableFact]
    public async Task Curator_SignsInDeletesDrawsBrushesUndoesAndSaves_CorrectionStoredWithCuratorAndPublished()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync("plate1", "flow_qc_dropped");
        await host.SeedFlaggedAsync("plate2", "low_cellprob");
        var (playwright, context, profile) = await LaunchAsync();
        try
        {
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            string baseUrl = host.BaseUrl.ToString().TrimEnd('/');

            // Not signed in: the editor sends the browser to the sign-in page.
            await page.GotoAsync($"{baseUrl}/ui/queue.html");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/ui/signin\.html\?next="));
            await page.FillAsync("#name", "alice");
            await page.FillAsync("#password", "wrong password");
            await page.ClickAsync("#submit");
            await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("unknown curator or wrong password");
            await page.FillAsync("#password", ReviewHostFixture.Password);
            await page.ClickAsync("#submit");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/ui/queue\.html"));

            var card = page.Locator($".card[data-frame='{frame}']");
            await Assertions.Expect(card).ToContainTextAsync("flow_qc_dropped");
            await Assertions.Expect(page.Locator("#counts")).ToContainTextAsync("low_cellprob: 1");
            await page.WaitForFunctionAsync("[...document.querySelectorAll('.card img')].every(i => i.complete && i.naturalWidth > 0)");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "queue.png"), FullPage = true });

            await card.Locator("button.open").ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"/ui/editor\.html\?id={frame}"));
            await page.WaitForSelectorAsync("body[data-ready='true']");
            Assert.Equal("4", await CountAsync(page, "total"));

            // Ctrl+click deletes ROI 1 (the square at 8..21).
            var (dx, dy) = await ClientAsync(page, 15.5, 15.5);
            await page.Keyboard.DownAsync("Control");
            await page.Mouse.ClickAsync(dx, dy);
            await page.Keyboard.UpAsync("Control");
            Assert.Equal("1", await CountAsync(page, "removed"));
            Assert.Equal(0, await LabelAtAsync(page, 15, 15));

            // Draw a new ROI freehand in the empty corner; it is filled on release.
            await page.Keyboard.PressAsync("d");
            var corners = new[] { (62.0, 62.0), (86.0, 62.0), (86.0, 86.0), (62.0, 86.0), (62.0, 63.0) };
            var (sx, sy) = await ClientAsync(page, corners[0].Item1, corners[0].Item2);
            await page.Mouse.MoveAsync(sx, sy);
            await page.Mouse.DownAsync();
            foreach (var (x, y) in corners.Skip(1))
            {
                var (cx, cy) = await ClientAsync(page, x, y);
                await page.Mouse.MoveAsync(cx, cy, new MouseMoveOptions { Steps = 8 });
            }
            await page.Mouse.UpAsync();
            Assert.Equal("1", await CountAsync(page, "added"));
            Assert.Equal("4", await CountAsync(page, "total"));
            int drawn = await LabelAtAsync(page, 74, 74);
            Assert.True(drawn > 4, $"the drawn ROI got label {drawn}");

            // Brush the drawn ROI downwards, check it grew, then undo the stroke.
            await BrushAsync(page, (74, 84), (74, 92));
            Assert.Equal(drawn, await LabelAtAsync(page, 74, 90));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor.png") });
            await page.Keyboard.PressAsync("Control+z");
            Assert.Equal(0, await LabelAtAsync(page, 74, 90));
            Assert.Equal(drawn, await LabelAtAsync(page, 74, 74));

            await page.ClickAsync("#save");
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Saved correction: 4 ROIs");

            var message = await host.WaitForCorrectionAsync(frame);
            Assert.Equal("alice", await host.CorrectionCuratorAsync(frame));
            Assert.Equal(FrameStates.Corrected, (await host.Frames.GetAsync(frame))!.State);
            var saved = TiffReader.ReadLabels(message.MasksPath);
            Assert.Equal(4, saved.CountObjects());
            int w = saved.Width;
            Assert.Equal(0, saved.Labels[15 * w + 15]);
            Assert.Equal(drawn, saved.Labels[74 * w + 74]);
            Assert.Equal(0, saved.Labels[90 * w + 74]);
            Assert.Equal(2, saved.Labels[15 * w + 47]);
        }
        finally
        {
            await CloseAsync(playwright, context, profile);
        }
    }

    [SkippableFact]
    public async Task Curator_SendsSegmentedFramesToReview_FromTheQueueListAndTheEditor_TheyAppearInTheQueue()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var fromList = await host.SeedSegmentedAsync("plate3");
        var fromEditor = await host.SeedSegmentedAsync("plate3");
        await host.SeedFlaggedAsync("plate1", "low_cellprob");
        var (playwright, context, profile) = await LaunchAsync();
        try
        {
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            string baseUrl = host.BaseUrl.ToString().TrimEnd('/');
            await SignInAsync(page, baseUrl, "alice");
            // Only the quality gate's frame is queued at first; its card names the image file.
            await Assertions.Expect(page.Locator(".card")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator(".card .name")).ToHaveTextAsync("frame.tif");
            await page.Locator(".card").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(Screenshots(), "queue-card.png") });
            await Assertions.Expect(page.Locator($".card[data-frame='{fromList}']")).ToHaveCountAsync(0);

            // The queue page: list plate3's segmented frames and send one.
            await page.ClickAsync("#sendPanel summary");
            await page.FillAsync("#sendAcquisition", "plate3");
            await page.ClickAsync("#listFrames");
            var row = page.Locator($"#recent tr[data-frame='{fromList}']");
            await Assertions.Expect(row).ToContainTextAsync("Segmented");
            await row.Locator("button.send").ClickAsync();
            await Assertions.Expect(page.Locator("#sendStatus")).ToContainTextAsync("Sent frame.tif to review (was Segmented)");
            var card = page.Locator($".card[data-frame='{fromList}']");
            await Assertions.Expect(card).ToContainTextAsync(FrameStates.SentByCuratorReason);
            // The list shows Segmented frames: the sent one has left it, the other is still there to send.
            await Assertions.Expect(row).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator($"#recent tr[data-frame='{fromEditor}'] button.send")).ToBeVisibleAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "queue-send.png"), FullPage = true });
            var sent = (await host.Frames.GetAsync(fromList))!;
            Assert.Equal((FrameStates.Flagged, "alice"), (sent.State, sent.SentToReviewBy));

            // The editor on a frame not in review: nothing to save until it is sent; the button sits above the key help.
            await page.GotoAsync($"{baseUrl}/ui/editor.html?id={fromEditor}");
            await page.WaitForSelectorAsync("body[data-ready='true']");
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("This frame is Segmented, not in review");
            await Assertions.Expect(page.Locator("#save")).ToBeDisabledAsync();
            var button = (await page.Locator("#sendToReview").BoundingBoxAsync())!;
            var keys = (await page.Locator(".keys").BoundingBoxAsync())!;
            Assert.True(button.Y + button.Height <= keys.Y, $"Send to review (bottom {button.Y + button.Height}) overlaps the key help (top {keys.Y})");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor-send.png") });
            await page.ClickAsync("#sendToReview");
            // Reopened in review: claimed by alice, editable, the reason shown.
            await Assertions.Expect(page.Locator("#save")).ToBeEnabledAsync();
            await page.WaitForSelectorAsync("body[data-ready='true']");
            await Assertions.Expect(page.Locator("#sendToReview")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("#reasons")).ToContainTextAsync("sent to review by alice (was Segmented)");
            Assert.Equal(FrameStates.Flagged, (await host.Frames.GetAsync(fromEditor))!.State);
            Assert.Equal("alice", (await new FrameClaimStore(host.Database).ActiveAsync(fromEditor, DateTimeOffset.UtcNow))?.Curator);

            await page.GotoAsync($"{baseUrl}/ui/queue.html");
            await Assertions.Expect(page.Locator($".card[data-frame='{fromEditor}']")).ToContainTextAsync(FrameStates.SentByCuratorReason);
            await Assertions.Expect(page.Locator("#total")).ToContainTextAsync("of 3 flagged");
        }
        finally
        {
            await CloseAsync(playwright, context, profile);
        }
    }

    [SkippableFact]
    public async Task CrossSitePage_PostingWithTheCuratorsBrowser_IsRefusedAndFrameStaysFlagged()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync();
        var (playwright, context, profile) = await LaunchAsync();
        try
        {
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            string site = host.BaseUrl.ToString().TrimEnd('/');
            await SignInAsync(page, site, "alice");

            // Another site (localhost is not 127.0.0.1) posts to the service in the signed-in browser.
            string other = site.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
            await page.GotoAsync($"{other}/ui/signin.html");
            int status = await page.EvaluateAsync<int>($$"""
                async () => {
                  const r = await fetch('{{site}}/api/frames/{{frame}}/accept', { method: 'POST', credentials: 'include',
                    headers: { 'Content-Type': 'text/plain' }, body: 'x' }).catch(() => null);
                  await fetch('{{site}}/api/frames/{{frame}}/skip', { method: 'POST', mode: 'no-cors', credentials: 'include' }).catch(() => null);
                  return r ? r.status : -1;
                }
                """);
            // The CORS read fails (-1) or shows the refusal; either way nothing changed.
            Assert.True(status is -1 or 401 or 403, $"status {status}");
            Assert.Equal(FrameStates.Flagged, (await host.Frames.GetAsync(frame))!.State);

            // The same browser on the service's own pages can still write.
            await page.GotoAsync($"{site}/ui/queue.html");
            await page.Locator($".card[data-frame='{frame}'] button.open").ClickAsync();
            await page.WaitForSelectorAsync("body[data-ready='true']");
            page.Dialog += (_, d) => d.AcceptAsync();
            await page.ClickAsync("#accept");
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Accepted as is");
            Assert.Equal(FrameStates.Accepted, (await host.Frames.GetAsync(frame))!.State);
        }
        finally
        {
            await CloseAsync(playwright, context, profile);
        }
    }

    [SkippableFact]
    public async Task FrameClaimedByAnother_EditorSaysWhoAndUntilWhatLocalTime_BesideNotOverTheHelp()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        host.AddCurator("bob");
        var frame = await host.SeedFlaggedAsync();
        using var bob = await host.SignedInAsync("bob");
        var claim = await (await bob.PostAsync($"/api/frames/{frame}/claim", null)).Content.ReadFromJsonAsync<JsonElement>();
        var expires = DateTimeOffset.Parse(claim.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        // Berlin is UTC+1 in winter and +2 in summer: the page must not show the UTC clock time.
        var (playwright, context, profile) = await LaunchAsync(timezone: "Europe/Berlin", height: 620);
        try
        {
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            string site = host.BaseUrl.ToString().TrimEnd('/');
            await SignInAsync(page, site, "alice");
            await page.GotoAsync($"{site}/ui/editor.html?id={frame}");
            await page.WaitForSelectorAsync("body[data-ready='true']");

            var berlin = TimeZoneInfo.ConvertTime(expires, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
            string local = berlin.ToString("hh:mm tt", System.Globalization.CultureInfo.GetCultureInfo("en-US"));
            var note = page.Locator("#claim");
            await Assertions.Expect(note).ToBeVisibleAsync();
            await Assertions.Expect(note).ToContainTextAsync($"bob is reviewing this frame until {local} (your time)");
            Assert.DoesNotContain(expires.UtcDateTime.ToString("hh:mm", System.Globalization.CultureInfo.InvariantCulture), await note.TextContentAsync());
            await Assertions.Expect(page.Locator("#save")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("#error")).ToBeEmptyAsync();

            // Nothing in the side panel overlaps the message, the key help included, even in a short window.
            var box = (await note.BoundingBoxAsync())!;
            foreach (string other in new[] { ".keys", "#status", "#error", ".tools" })
            {
                foreach (var part in await page.Locator(other).AllAsync())
                {
                    var b = await part.BoundingBoxAsync();
                    if (b is null || b.Height == 0) continue;
                    bool apart = b.Y >= box.Y + box.Height || b.Y + b.Height <= box.Y;
                    Assert.True(apart, $"{other} ({b.Y}-{b.Y + b.Height}) overlaps the claim message ({box.Y}-{box.Y + box.Height})");
                }
            }
            await page.Locator(".side").EvaluateAsync("side => side.scrollTop = side.scrollHeight");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor-claimed.png") });
        }
        finally
        {
            await CloseAsync(playwright, context, profile);
        }
    }

    [SkippableFact]
    public async Task ThroughputPage_AfterAFewPolls_ChartsFramesPerSecondAndLatencyOverClockTime()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var (playwright, context, profile) = await LaunchAsync();
        using var stop = new CancellationTokenSource();
        // Frames "segmented" in this process while the page polls its /api/metrics: 1-3 s each.
        var frames = Task.Run(async () =>
        {
            var random = new Random(5);
            while (!stop.IsCancellationRequested)
            {
                AcqSeg.ServiceDefaults.AcqSegMetrics.FramesSegmented.WithLabels("plate1", "m").Inc();
                AcqSeg.ServiceDefaults.AcqSegMetrics.SegmentSeconds.WithLabels("total", "m").Observe(1 + 2 * random.NextDouble());
                try { await Task.Delay(250, stop.Token); }
                catch (OperationCanceledException) { }
            }
        });
        try
        {
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            string site = host.BaseUrl.ToString().TrimEnd('/');
            await SignInAsync(page, site, "alice");
            await page.GotoAsync($"{site}/ui/throughput.html");
            // The page polls every 2 s; four polls draw four points per line (p50 and p95: eight).
            await page.WaitForFunctionAsync("() => +document.getElementById('rateChart').dataset.points >= 4"
                + " && +document.getElementById('latencyChart').dataset.points >= 8", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            // Each line's colour is on its canvas (frames/s blue; p50 green, p95 amber).
            foreach (var (chart, colour) in new[] { ("rateChart", "79,163,255"), ("latencyChart", "95,211,141"), ("latencyChart", "255,196,107") })
            {
                int pixels = await page.EvaluateAsync<int>($$"""
                    () => {
                      const c = document.getElementById('{{chart}}');
                      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                      const [r, g, b] = [{{colour}}];
                      let n = 0;
                      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 30) n++;
                      return n;
                    }
                    """);
                Assert.True(pixels > 50, $"{chart}: {pixels} pixels of {colour}");
            }
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "throughput.png"), FullPage = true });
        }
        finally
        {
            await stop.CancelAsync();
            await frames;
            await CloseAsync(playwright, context, profile);
        }
    }
}

[CollectionDefinition("browser", DisableParallelization = true)]
public sealed class BrowserCollection;
