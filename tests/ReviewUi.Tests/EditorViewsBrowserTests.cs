using System.Text.Json;
using System.Text.RegularExpressions;
using AcqSeg.Hosts.Tests.ReviewHost;
using AcqSeg.Imaging.Io;
using AcqSeg.TestSupport;
using Microsoft.Playwright;

namespace AcqSeg.ReviewUi.Tests;

/// <summary>The editor's Cellpose-GUI parts (issue 22, item 5): flows and cell-probability views, the ROI list, the RGB
/// composite, compressed transfer; and the models page's zoo table.</summary>
public partial class BrowserTests
{
    /// <summary>The canvas pixel (R, G, B) that shows frame pixel (x, y) (its centre).</summary>
    private static async Task<(int R, int G, int B)> CanvasPixelAsync(IPage page, int x, int y)
    {
        var rgb = await page.EvaluateAsync<int[]>($$"""
            () => {
              const c = document.getElementById('canvas');
              const r = c.getBoundingClientRect();
              const p = window.acqsegEditor.toClient({{x}} + 0.5, {{y}} + 0.5);
              const k = c.width / r.width;
              const d = c.getContext('2d').getImageData(Math.floor((p.x - r.left) * k), Math.floor((p.y - r.top) * k), 1, 1).data;
              return [d[0], d[1], d[2]];
            }
            """);
        return (rgb[0], rgb[1], rgb[2]);
    }

    /// <summary>Waits for the next two animation frames, so that a requested redraw has happened.</summary>
    private static Task RedrawnAsync(IPage page) =>
        page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))");

    private static int Spread((int R, int G, int B) c) => Math.Max(c.R, Math.Max(c.G, c.B)) - Math.Min(c.R, Math.Min(c.G, c.B));

    /// <summary>Curator alice signed in in a fresh browser on <paramref name="host"/>; <paramref name="test"/> gets the page and the site.</summary>
    private static async Task InBrowserAsync(ReviewHostFixture host, Func<IPage, string, Task> test)
    {
        host.AddCurator("alice");
        var (playwright, context, profile) = await LaunchAsync();
        try
        {
            var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            string site = host.BaseUrl.ToString().TrimEnd('/');
            await SignInAsync(page, site, "alice");
            await test(page, site);
        }
        finally
        {
            await CloseAsync(playwright, context, profile);
        }
    }

    private static async Task OpenEditorAsync(IPage page, string site, Guid frame)
    {
        await page.GotoAsync($"{site}/ui/editor.html?id={frame}");
        await page.WaitForSelectorAsync("body[data-ready='true']");
    }

    [SkippableFact]
    public async Task EditorViews_FrameWithFlows_ButtonsAndKeysSwitchToFlowsAndCellProbability_WhichShowTheNetworkOutput()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync(flows: true);
        await InBrowserAsync(host, async (page, site) =>
        {
            await OpenEditorAsync(page, site, frame);
            await Assertions.Expect(page.Locator("#viewNote")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("[data-view='flows']")).ToBeEnabledAsync();
            // Square 1 covers rows and columns 8-21; the image shows it gray.
            var image = await CanvasPixelAsync(page, 11, 15);
            Assert.True(Spread(image) < 5 && image.R > 100, $"image view at (11, 15): {image}");

            await page.ClickAsync("[data-view='flows']");
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-view", "flows");
            await RedrawnAsync(page);
            // Flows: the left edge flows right, the right edge left, in other hues; the background is black.
            var left = await CanvasPixelAsync(page, 10, 15);
            var right = await CanvasPixelAsync(page, 19, 15);
            var background = await CanvasPixelAsync(page, 80, 80);
            Assert.True(Spread(left) > 60 && Spread(right) > 60, $"flows view: edges {left} and {right} are not coloured");
            Assert.True(Math.Abs(left.R - right.R) + Math.Abs(left.G - right.G) + Math.Abs(left.B - right.B) > 120, $"opposite flows look alike: {left}, {right}");
            Assert.True(background.R + background.G + background.B < 30, $"flows view background {background}");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor-flows.png") });

            await page.Locator("#canvas").FocusAsync();
            await page.Keyboard.PressAsync("p");
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-view", "cellprob");
            await RedrawnAsync(page);
            var inside = await CanvasPixelAsync(page, 15, 12);
            var outside = await CanvasPixelAsync(page, 80, 80);
            Assert.True(Spread(inside) < 5 && inside.R > 200, $"cell probability inside a cell: {inside}");
            Assert.True(outside.R < 30, $"cell probability outside: {outside}");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor-cellprob.png") });

            // W and S step through image, flows, cell probability as in Cellpose's GUI; I returns to the image.
            await page.Keyboard.PressAsync("s");
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-view", "image");
            await page.Keyboard.PressAsync("w");
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-view", "cellprob");
            await page.Keyboard.PressAsync("i");
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-view", "image");
            await RedrawnAsync(page);
            Assert.Equal(image, await CanvasPixelAsync(page, 11, 15));
            await Assertions.Expect(page.Locator(".keys")).ToContainTextAsync("F flows, P cell probability");
        });
    }

    [SkippableFact]
    public async Task EditorViews_FrameWithoutFlows_ButtonsDisabledNamingTheOptionThatKeepsFlows()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync();
        await InBrowserAsync(host, async (page, site) =>
        {
            await OpenEditorAsync(page, site, frame);
            foreach (string view in new[] { "flows", "cellprob" })
            {
                var button = page.Locator($"[data-view='{view}']");
                await Assertions.Expect(button).ToBeDisabledAsync();
                await Assertions.Expect(button).ToHaveAttributeAsync("title", new Regex(@"set SegmentWorker:SaveFlows=true \(acqseg run --save-flows\)"));
                await Assertions.Expect(page.Locator($"#{view}Slot")).ToHaveAttributeAsync("title", new Regex("SegmentWorker:SaveFlows"));
            }
            await Assertions.Expect(page.Locator("#viewNote")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#viewNote")).ToContainTextAsync("SegmentWorker:SaveFlows=true");
            // The keys say the same, and the image stays.
            await page.Locator("#canvas").FocusAsync();
            await page.Keyboard.PressAsync("f");
            await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("No flows view: the segment worker kept no flows for this frame");
            await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-view", "image");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor-no-flows.png") });
        });
    }

    private static async Task<string[]> RoiRowsAsync(IPage page) =>
        (await page.Locator("#roiRows tr").AllInnerTextsAsync()).Select(t => Regex.Replace(t.Trim(), @"\s+", " ")).ToArray();

    [SkippableFact]
    public async Task RoiList_ClickSelectsTheRoi_CanvasSelectionMarksItsRow_EditsAndSortingUpdateIt()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync();
        await InBrowserAsync(host, async (page, site) =>
        {
            await OpenEditorAsync(page, site, frame);
            // Four 14x14 squares, by label.
            Assert.Equal(["1 196", "2 196", "3 196", "4 196"], await RoiRowsAsync(page));

            await page.ClickAsync("#roiRows tr[data-label='3']");
            Assert.Equal(3, await page.EvaluateAsync<int>("window.acqsegEditor.selected()"));
            await Assertions.Expect(page.Locator("#roiRows tr.selected")).ToHaveAttributeAsync("data-label", "3");
            await Assertions.Expect(page.Locator("#counts")).ToContainTextAsync("selected 3");
            // The selected ROI is drawn highlighted (pale yellow fill) in the canvas, the others not.
            await RedrawnAsync(page);
            var other = await CanvasPixelAsync(page, 47, 15);
            var picked = await CanvasPixelAsync(page, 15, 47);
            Assert.True(picked.R - picked.B - (other.R - other.B) > 15, $"ROI 3 (selected) is not highlighted: {picked}; ROI 2 shows {other}");

            // Clicking an ROI in the canvas marks its row.
            var (x, y) = await ClientAsync(page, 47.5, 47.5);
            await page.Mouse.ClickAsync(x, y);
            await Assertions.Expect(page.Locator("#roiRows tr.selected")).ToHaveAttributeAsync("data-label", "4");

            // Delete removes its row, undo brings it back; a brush stroke grows ROI 4 and its area.
            await page.Keyboard.PressAsync("Delete");
            await Assertions.Expect(page.Locator("#roiRows tr")).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("#roiRows tr[data-label='4']")).ToHaveCountAsync(0);
            await page.Keyboard.PressAsync("Control+z");
            await Assertions.Expect(page.Locator("#roiRows tr")).ToHaveCountAsync(4);
            await BrushAsync(page, (47, 52), (47, 62));
            int area = await page.EvaluateAsync<int>("window.acqsegEditor.labels().filter(v => v === 4).length");
            Assert.True(area > 196, $"ROI 4 has {area} px after the stroke");
            await Assertions.Expect(page.Locator("#roiRows tr[data-label='4'] td.num")).ToHaveTextAsync(area.ToString(System.Globalization.CultureInfo.InvariantCulture));

            await page.SelectOptionAsync("#roiSort", "-area");
            Assert.Equal($"4 {area}", (await RoiRowsAsync(page))[0]);
            await page.SelectOptionAsync("#roiSort", "area");
            Assert.Equal($"4 {area}", (await RoiRowsAsync(page))[^1]);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor-roi-list.png") });
        });
    }

    [SkippableFact]
    public async Task RgbComposite_ThreeChannelFrame_ChannelsGoToRedGreenBlueAsChosen_SingleChannelFrameStaysGray()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        int n = ReviewHostFixture.Size;
        var masks = TestLabels.Squares(n, n, ReviewHostFixture.Squares);
        // Channel c is bright in square c + 1 only (squares 1-3); square 4 is dark in every channel.
        var planes = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, n * n).Select(i => masks.Labels[i] == c + 1 ? 3000f + i % 5 : 200f + i % 11).ToArray()).ToArray();
        var colour = await host.SeedFrameAsync(planes, masks);
        var gray = await host.SeedFlaggedAsync();
        await InBrowserAsync(host, async (page, site) =>
        {
            await OpenEditorAsync(page, site, colour);
            await Assertions.Expect(page.Locator("#channel")).ToHaveValueAsync("rgb");
            await Assertions.Expect(page.Locator("#composite")).ToBeVisibleAsync();
            await page.Locator("#canvas").FocusAsync();
            await page.Keyboard.PressAsync("x"); // masks off: the colours alone
            await RedrawnAsync(page);
            var red = await CanvasPixelAsync(page, 15, 15);
            var green = await CanvasPixelAsync(page, 47, 15);
            var blue = await CanvasPixelAsync(page, 15, 47);
            var dark = await CanvasPixelAsync(page, 47, 47);
            Assert.True(red.R > 200 && red.G < 40 && red.B < 40, $"square 1 (channel 1 -> R): {red}");
            Assert.True(green.G > 200 && green.R < 40 && green.B < 40, $"square 2 (channel 2 -> G): {green}");
            Assert.True(blue.B > 200 && blue.R < 40 && blue.G < 40, $"square 3 (channel 3 -> B): {blue}");
            Assert.True(dark.R < 40 && dark.G < 40 && dark.B < 40, $"square 4: {dark}");
            await Assertions.Expect(page.Locator("#range")).ToContainTextAsync("R ch 1");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor-rgb.png") });

            // Channel 3 to red as well: square 3 turns magenta; green off: square 2 goes dark.
            await page.SelectOptionAsync("#chanR", "2");
            await page.SelectOptionAsync("#chanG", new SelectOptionValue { Label = "none" });
            await RedrawnAsync(page);
            var magenta = await CanvasPixelAsync(page, 15, 47);
            Assert.True(magenta.R > 200 && magenta.B > 200 && magenta.G < 40, $"square 3 with channel 3 on R and B: {magenta}");
            var off = await CanvasPixelAsync(page, 47, 15);
            Assert.True(off.G < 40, $"square 2 with green off: {off}");
            // One channel alone is gray again.
            await page.SelectOptionAsync("#channel", "1");
            await Assertions.Expect(page.Locator("#composite")).ToBeHiddenAsync();
            await RedrawnAsync(page);
            var single = await CanvasPixelAsync(page, 47, 15);
            Assert.True(Spread(single) < 3 && single.R > 200, $"channel 2 alone at square 2: {single}");

            await OpenEditorAsync(page, site, gray);
            Assert.DoesNotContain("rgb", await page.Locator("#channel option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)"));
            await Assertions.Expect(page.Locator("#composite")).ToBeHiddenAsync();
            await RedrawnAsync(page);
            var g = await CanvasPixelAsync(page, 11, 15);
            Assert.True(Spread(g) < 3, $"single-channel frame: {g}");
        });
    }

    [SkippableFact]
    public async Task EditorTransfer_LabelsGzippedPixelsInCompactTypes_TheEditorHoldsTheExactValues()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        const int h = 384, w = 512;
        // Labels in 8x8 blocks (3072 ROIs, so uint16) and one frame with a label past 65535 (int32 on the wire).
        var blocks = new int[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                blocks[y * w + x] = (x / 8 + y / 8) % 5 == 0 ? 0 : 1 + (y / 8) * (w / 8) + x / 8;
        var large = (int[])blocks.Clone();
        for (int i = 0; i < w * 8; i++) large[i] = large[i] == 0 ? 0 : 70_000;
        var pixels = Enumerable.Range(0, h * w).Select(i => (float)(i * 31 % 4096)).ToArray();
        var small = await host.SeedFrameAsync([pixels], new LabelImage(blocks, h, w));
        var wide = await host.SeedFrameAsync([pixels], new LabelImage(large, h, w));
        await InBrowserAsync(host, async (page, site) =>
        {
            foreach (var (frame, expected, type) in new[] { (small, blocks, "uint16"), (wide, large, "int32") })
            {
                var responses = new List<IResponse>();
                void Record(object? _, IResponse r) { if (r.Url.Contains("/labels", StringComparison.Ordinal) || r.Url.Contains("/pixels", StringComparison.Ordinal)) responses.Add(r); }
                page.Response += Record;
                await page.GotoAsync($"{site}/ui/editor.html?id={frame}");
                await page.WaitForSelectorAsync("body[data-ready='true']");
                page.Response -= Record;
                var labels = responses.Single(r => r.Url.Contains("/labels?compact=true", StringComparison.Ordinal));
                Assert.Equal("gzip", await labels.HeaderValueAsync("content-encoding"));
                Assert.Equal(type, await labels.HeaderValueAsync("x-sample-type"));
                var pixelResponse = responses.Single(r => r.Url.Contains("/pixels?compact=true", StringComparison.Ordinal));
                Assert.Equal("uint16", await pixelResponse.HeaderValueAsync("x-sample-type"));
                Assert.Equal(pixels, await page.EvaluateAsync<float[]>("Array.from(window.acqsegEditor.pixels())"));

                Assert.Equal(expected, await page.EvaluateAsync<int[]>("Array.from(window.acqsegEditor.labels())"));
                // What travelled, from the browser's resource timing: gzip took two thirds off even these dense labels
                // (a 8x8 block each; cells on a background compress far better).
                var sizes = await page.EvaluateAsync<JsonElement>("""
                    () => performance.getEntriesByType('resource').filter(e => e.name.includes('/labels?'))
                      .map(e => ({ encoded: e.encodedBodySize, decoded: e.decodedBodySize }))[0]
                    """);
                int encoded = sizes.GetProperty("encoded").GetInt32(), decoded = sizes.GetProperty("decoded").GetInt32();
                Assert.Equal(type == "uint16" ? 2 * h * w : 4 * h * w, decoded);
                Assert.True(encoded * 3 < decoded, $"labels: {encoded} bytes travelled for {decoded} bytes of {type}");
            }
        });
    }

    [SkippableFact]
    public async Task ModelsPage_ListsEachZooModelWithTheLiveVersionTheServiceUses()
    {
        using var zoo = new TempFolder("acqseg-zoo");
        await using var host = await ReviewHostFixture.StartWithZooAsync(zoo.Path);
        await InBrowserAsync(host, async (page, site) =>
        {
            await page.GotoAsync($"{site}/ui/models.html");
            var nuclei = page.Locator("#zoo tr[data-model='nuclei']");
            await Assertions.Expect(nuclei.Locator("td").Nth(1)).ToHaveTextAsync("v7");
            await Assertions.Expect(nuclei.Locator("td").Nth(2)).ToHaveTextAsync("v6");
            var cyto = page.Locator("#zoo tr[data-model='cyto']");
            await Assertions.Expect(cyto.Locator("td").Nth(1)).ToHaveTextAsync("not used yet");
            await Assertions.Expect(cyto).ToContainTextAsync("its first frame registers zoo v3 as the live version");

            // Rolled back in the lineage below: the zoo table follows, naming who pinned it.
            page.Dialog += (_, d) => d.AcceptAsync();
            await page.Locator("section[data-model='nuclei'] tr[data-version='6'] button").ClickAsync();
            await Assertions.Expect(nuclei.Locator("td").Nth(1)).ToHaveTextAsync("v6");
            await Assertions.Expect(nuclei).ToContainTextAsync("rolled back from v7 by alice");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "models-zoo.png"), FullPage = true });
        });
    }
}
