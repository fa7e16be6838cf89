using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using static AcqSeg.Hosts.Tests.ReviewHost.ApiResponses;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>Curators send any segmented frame (or a whole acquisition) to the review queue, then review it like a flagged one.</summary>
public class SendToReviewApiTests
{
    private static async Task<JsonElement?> QueueEntryAsync(HttpClient c, Guid frame)
    {
        var queue = await c.GetFromJsonAsync<JsonElement>("/api/queue");
        foreach (var f in queue.GetProperty("frames").EnumerateArray())
            if (f.GetProperty("id").GetGuid() == frame) return f;
        return null;
    }

    [Fact]
    public async Task SendToReview_WithoutCurator_Refused401_CookieWithoutAntiforgery403_FrameStaysSegmented()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedSegmentedAsync("plate1");
        using var anonymous = host.Anonymous();
        await AssertStatus(await anonymous.PostAsync($"/api/frames/{frame}/send-to-review", null), HttpStatusCode.Unauthorized, "this write needs a curator");
        await AssertStatus(await anonymous.PostAsync("/api/acquisitions/plate1/send-to-review", null), HttpStatusCode.Unauthorized, "this write needs a curator");
        await AssertStatus(await anonymous.GetAsync("/api/frames?acquisition=plate1"), HttpStatusCode.Unauthorized, "this request needs a curator");
        using var forged = await host.SignedInAsync("alice", withCsrf: false);
        await AssertStatus(await forged.PostAsync($"/api/frames/{frame}/send-to-review", null), HttpStatusCode.Forbidden, "anti-forgery");
        Assert.Equal(FrameStates.Segmented, (await host.Frames.GetAsync(frame))!.State);
        Assert.Null(await QueueEntryAsync(forged, frame));
    }

    [Fact]
    public async Task SendFrame_WithToken_FrameFlaggedAndQueuedWithTheReason_SecondCallChangesNothing()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("carol");
        var frame = await host.SeedSegmentedAsync("plate1");
        var gated = await host.SeedFlaggedAsync("plate1", "low_cellprob");
        using var c = host.WithToken(host.TokenFor("carol"));

        var sent = await Json(await c.PostAsync($"/api/frames/{frame}/send-to-review", null));
        Assert.Equal(("sent", "Flagged", "Segmented", "carol"), (sent.GetProperty("outcome").GetString(), sent.GetProperty("state").GetString(),
            sent.GetProperty("previousState").GetString(), sent.GetProperty("curator").GetString()));
        var row = (await host.Frames.GetAsync(frame))!;
        Assert.Equal((FrameStates.Flagged, "carol", FrameStates.Segmented), (row.State, row.SentToReviewBy, row.SentToReviewFrom));

        var entry = (await QueueEntryAsync(c, frame))!.Value;
        var reason = Assert.Single(entry.GetProperty("reasons").EnumerateArray());
        Assert.Equal(FrameStates.SentByCuratorReason, reason.GetProperty("reason").GetString());
        Assert.Equal("sent to review by carol (was Segmented)", reason.GetProperty("detail").GetString());
        var queue = await c.GetFromJsonAsync<JsonElement>("/api/queue?reason=sent_by_curator");
        Assert.Equal(frame, Assert.Single(queue.GetProperty("frames").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(2, queue.GetProperty("flagged").GetInt32());

        var again = await Json(await c.PostAsync($"/api/frames/{frame}/send-to-review", null));
        Assert.Equal("already_in_review", again.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, again.GetProperty("previousState").ValueKind);
        Assert.Single((await QueueEntryAsync(c, frame))!.Value.GetProperty("reasons").EnumerateArray());

        // A frame the quality gate flagged is in review already: its reasons stay the gate's.
        Assert.Equal("already_in_review", (await Json(await c.PostAsync($"/api/frames/{gated}/send-to-review", null))).GetProperty("outcome").GetString());
        Assert.Equal(["low_cellprob"], (await host.Frames.GetReasonsAsync(gated)).Select(r => r.Reason));
    }

    [Fact]
    public async Task SendFrame_WithoutMasksOrUnknown_RefusedNamingTheStateAndWhatToDo()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("carol");
        var failed = await host.SeedUnsegmentedAsync("plate1", failure: "truncated TIFF: 12 of 4096 bytes");
        var waiting = await host.SeedUnsegmentedAsync("plate1");
        using var c = host.WithToken(host.TokenFor("carol"));

        var refusedFailed = await c.PostAsync($"/api/frames/{failed}/send-to-review", null);
        await AssertStatus(refusedFailed, HttpStatusCode.Conflict, $"frame {failed} is Failed: it could not be segmented (truncated TIFF: 12 of 4096 bytes)");
        Assert.Contains("Only frames with masks (Segmented, Accepted, Corrected, Skipped) can be sent to review", await Text(refusedFailed));
        await AssertStatus(await c.PostAsync($"/api/frames/{waiting}/send-to-review", null), HttpStatusCode.Conflict,
            $"frame {waiting} is Acquired: it is not segmented yet");
        var unknown = Guid.NewGuid();
        await AssertStatus(await c.PostAsync($"/api/frames/{unknown}/send-to-review", null), HttpStatusCode.NotFound, $"frame {unknown} does not exist");

        Assert.Equal(FrameStates.Failed, (await host.Frames.GetAsync(failed))!.State);
        Assert.Equal(FrameStates.Acquired, (await host.Frames.GetAsync(waiting))!.State);
        Assert.Empty(await host.Frames.GetReasonsAsync(failed));
    }

    [Fact]
    public async Task SendAcquisition_NestedName_CountsSentAlreadyInReviewAndNotEligible_UnknownIs404()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("carol");
        var a = await host.SeedSegmentedAsync("plate5/day2");
        var b = await host.SeedSegmentedAsync("plate5/day2");
        var gated = await host.SeedFlaggedAsync("plate5/day2", "count_outlier");
        await host.SeedUnsegmentedAsync("plate5/day2", failure: "not a TIFF");
        await host.SeedUnsegmentedAsync("plate5/day2");
        var elsewhere = await host.SeedSegmentedAsync("plate5");
        using var c = host.WithToken(host.TokenFor("carol"));

        var first = await Json(await c.PostAsync("/api/acquisitions/plate5/day2/send-to-review", null));
        Assert.Equal(("plate5/day2", 2, 1), (first.GetProperty("acquisition").GetString(), first.GetProperty("sent").GetInt32(),
            first.GetProperty("alreadyInReview").GetInt32()));
        var notEligible = first.GetProperty("notEligible");
        Assert.Equal((1, 1), (notEligible.GetProperty("Failed").GetInt32(), notEligible.GetProperty("Acquired").GetInt32()));
        var queue = await c.GetFromJsonAsync<JsonElement>("/api/queue?acquisition=plate5/day2");
        Assert.Equal(new[] { a, b, gated }.Order(), queue.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("id").GetGuid()).Order());
        Assert.Equal(FrameStates.Segmented, (await host.Frames.GetAsync(elsewhere))!.State);

        // The name may also come with its '/' encoded; the second call finds everything in review already.
        var second = await Json(await c.PostAsync("/api/acquisitions/plate5%2Fday2/send-to-review", null));
        Assert.Equal((0, 3), (second.GetProperty("sent").GetInt32(), second.GetProperty("alreadyInReview").GetInt32()));

        await AssertStatus(await c.PostAsync("/api/acquisitions/nope/send-to-review", null), HttpStatusCode.NotFound,
            "acquisition 'nope' has no frames; GET /api/frames lists the known acquisitions");
        await AssertStatus(await c.PostAsync("/api/acquisitions/plate5", null), HttpStatusCode.NotFound, "use POST /api/acquisitions/NAME/send-to-review");
    }

    [Fact]
    public async Task SentFrame_IsClaimedAndCorrectedLikeAFlaggedOne_AndSentAgainTheEditorGetsTheCorrection()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedSegmentedAsync("plate1");
        using var c = await host.SignedInAsync("alice");
        int n = ReviewHostFixture.Size;

        // Before sending: not in review, so it can be neither claimed nor corrected.
        await AssertStatus(await c.PostAsync($"/api/frames/{frame}/claim", null), HttpStatusCode.Conflict, "only Flagged frames can be claimed");
        Assert.Equal("sent", (await Json(await c.PostAsync($"/api/frames/{frame}/send-to-review", null))).GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync($"/api/frames/{frame}/claim", null)).StatusCode);
        var corrected = TestLabels.Squares(n, n, (1, 0, 0, 10), (2, 20, 20, 10), (3, 60, 60, 12));
        var saved = await c.PostAsync($"/api/frames/{frame}/correction", CuratorApiTests.TiffBody(corrected));
        Assert.Equal(3, (await Json(saved)).GetProperty("objects").GetInt32());
        var message = await host.WaitForCorrectionAsync(frame);
        Assert.Equal(("plate1", "m"), (message.Acquisition, message.Model));
        Assert.Equal(FrameStates.Corrected, (await host.Frames.GetAsync(frame))!.State);
        Assert.Equal("alice", await host.CorrectionCuratorAsync(frame));

        // Sent again to refine the correction: the editor starts from what was saved, not from the model's masks.
        Assert.Equal("Corrected", (await Json(await c.PostAsync($"/api/frames/{frame}/send-to-review", null))).GetProperty("previousState").GetString());
        var labels = await c.GetAsync($"/api/frames/{frame}/labels");
        Assert.Equal("correction", labels.Headers.GetValues("X-Labels").Single());
        var values = MemoryMarshal.Cast<byte, int>(await labels.Content.ReadAsByteArrayAsync()).ToArray();
        Assert.Equal(corrected.Labels, values);
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync($"/api/frames/{frame}/accept", null)).StatusCode);
        Assert.Equal(FrameStates.Accepted, (await host.Frames.GetAsync(frame))!.State);
    }

    [Fact]
    public async Task FrameList_NewestFirst_FiltersByAcquisitionAndState_MarksSendable_BadParametersRefused()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("carol");
        var older = await host.SeedSegmentedAsync("plate1");
        var newer = await host.SeedSegmentedAsync("plate1");
        var failed = await host.SeedUnsegmentedAsync("plate1", failure: "not a TIFF");
        await host.SeedFlaggedAsync("plate2", "low_cellprob");
        using var c = host.WithToken(host.TokenFor("carol"));

        var list = await c.GetFromJsonAsync<JsonElement>("/api/frames?acquisition=plate1");
        var frames = list.GetProperty("frames").EnumerateArray().ToList();
        Assert.Equal([failed, newer, older], frames.Select(f => f.GetProperty("id").GetGuid()));
        Assert.Equal([false, true, true], frames.Select(f => f.GetProperty("sendable").GetBoolean()));
        Assert.Equal(ReviewHostFixture.Squares.Length, frames[1].GetProperty("objectCount").GetInt32());
        Assert.Equal(["plate1", "plate2"], list.GetProperty("acquisitions").EnumerateArray().Select(a => a.GetString()));

        var segmented = await c.GetFromJsonAsync<JsonElement>("/api/frames?acquisition=plate1&state=Segmented&limit=1");
        Assert.Equal(newer, Assert.Single(segmented.GetProperty("frames").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(4, (await c.GetFromJsonAsync<JsonElement>("/api/frames")).GetProperty("frames").GetArrayLength());
        await AssertStatus(await c.GetAsync("/api/frames?state=segmented"), HttpStatusCode.BadRequest, "state 'segmented' is unknown; use one of Acquired, Segmented");
        await AssertStatus(await c.GetAsync("/api/frames?limit=0"), HttpStatusCode.BadRequest, "limit 0 must be 1-1000");
    }
}
