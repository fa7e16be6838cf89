using AcqSeg.Hosts.Tests.ReviewHost;
using AcqSeg.Imaging.Io;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using Microsoft.Playwright;

namespace AcqSeg.ReviewUi.Tests;

/// <summary>The editor's Re-segment (issue 22, item 5): the service's segment worker runs the open frame with the
/// curator's settings, and the result replaces the masks as one undoable edit until Save.</summary>
public partial class BrowserTests
{
    [SkippableFact]
    public async Task Resegment_FromTheEditor_TheWorkersMasksReplaceTheOpenOnes_UndoGoesBack_SaveKeepsThemAsTheCorrection()
    {
        // The Cellpose reference network on its own synthetic image, opened with only one object outlined.
        await using var host = await ReviewHostFixture.StartAsync([new("Models:Paths:m", SharedData.Reference("cpnet_synth_e40.pth"))]);
        var image = TiffReader.Read(SharedData.Reference("synth_256.tif"));
        var golden = TiffReader.ReadLabels(SharedData.Reference("synth_256_cp_masks.tif"));
        var one = new LabelImage(golden.Labels.Select(v => v == 1 ? 1 : 0).ToArray(), golden.Height, golden.Width);
        var frame = await host.SeedFrameAsync([image.Channel(0).ToArray()], one, realSha: true);
        await InBrowserAsync(host, async (page, site) =>
        {
            await OpenEditorAsync(page, site, frame);
            Assert.Equal("1", await CountAsync(page, "total"));
            Assert.Equal("worker's", await page.GetAttributeAsync("#rsFlow", "placeholder"));

            await page.FillAsync("#rsDiameter", "30");
            await page.FillAsync("#rsFlow", "0.4");
            await page.ClickAsync("#rsRun");
            await Assertions.Expect(page.Locator("#rsRun")).ToHaveAttributeAsync("data-done", "1", new() { Timeout = 120_000 });

            var request = Assert.Single(await RequestsAsync(host, frame));
            Assert.Equal((ResegmentationStates.Done, "alice", 30.0, 0.4, (double?)null), (request.State, request.RequestedBy, request.Diameter!.Value,
                request.FlowThreshold!.Value, request.CellprobThreshold));
            int found = request.ObjectCount!.Value;
            Assert.True(found >= golden.CountObjects() - 1, $"{found} objects re-segmented, Cellpose's masks hold {golden.CountObjects()}");
            await Assertions.Expect(page.Locator("#rsStatus")).ToContainTextAsync(
                $"{found} ROIs from m v1 at diameter 30.0 px (given), flow threshold 0.4, cellprob threshold 0, in ");
            Assert.Equal((found.ToString(), found.ToString(), "1"), (await CountAsync(page, "total"), await CountAsync(page, "added"), await CountAsync(page, "removed")));
            var labels = await page.EvaluateAsync<int[]>("() => Array.from(window.acqsegEditor.labels())");
            var proposal = TiffReader.ReadLabels(request.MasksPath!);
            // The same partition of the pixels as the worker's masks, under labels new to this frame.
            for (int i = 0; i < labels.Length; i++) Assert.True((labels[i] == 0) == (proposal.Labels[i] == 0), $"pixel {i}: {labels[i]} vs {proposal.Labels[i]}");
            await page.Locator("#rsStatus").ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots(), "editor-resegment.png") });

            // One edit: undo restores what was open, redo brings the re-segmentation back.
            await page.Keyboard.PressAsync("Control+z");
            Assert.Equal("1", await CountAsync(page, "total"));
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync($"undid: re-segment: {found} ROIs at diameter 30.0 px");
            await page.Keyboard.PressAsync("Control+Shift+z");
            Assert.Equal(found.ToString(), await CountAsync(page, "total"));

            // Nothing was stored until Save; then it is the correction.
            Assert.Equal(FrameStates.Flagged, (await host.Frames.GetAsync(frame))!.State);
            await page.ClickAsync("#save");
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync($"Saved correction: {found} ROIs");
            var correction = await host.WaitForCorrectionAsync(frame);
            Assert.Equal(found, TiffReader.ReadLabels(correction.MasksPath).CountObjects());
            await Assertions.Expect(page.Locator("#rsRun")).ToBeDisabledAsync();
        });
    }

    private static async Task<IReadOnlyList<ResegmentationRow>> RequestsAsync(ReviewHostFixture host, Guid frame)
    {
        await using var c = await host.Database.OpenAsync();
        return [.. await Dapper.SqlMapper.QueryAsync<ResegmentationRow>(c, "SELECT * FROM resegmentations WHERE frame_id = @Id", new { Id = frame.ToString() })];
    }
}
