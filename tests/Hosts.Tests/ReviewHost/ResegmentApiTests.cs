using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using static AcqSeg.Hosts.Tests.ReviewHost.ApiResponses;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>The editor's Re-segment through the review API and `acqseg run`'s own segment worker (issue 22).</summary>
[Collection("torch")]
public class ResegmentApiTests
{
    /// <summary>Polls the request until it leaves Requested (a worker ended it).</summary>
    private static async Task<JsonElement> EndedAsync(HttpClient c, string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var r = await Json(await c.GetAsync($"/api/resegmentations/{id}"));
            if (r.GetProperty("state").GetString() != ResegmentationStates.Requested) return r;
            Assert.True(DateTime.UtcNow < deadline, $"re-segmentation {id} still waits: {r}");
            await Task.Delay(100);
        }
    }

    private static StringContent Body(object settings) => JsonContent(JsonSerializer.Serialize(settings));

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Resegment_NeedsACurator_ChecksItsSettings_AndOnlyFramesInReview()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var flagged = await host.SeedFlaggedAsync();
        var segmented = await host.SeedSegmentedAsync();
        var waiting = await host.SeedUnsegmentedAsync();
        using var anonymous = host.Anonymous();
        await AssertStatus(await anonymous.PostAsync($"/api/frames/{flagged}/resegment", Body(new { diameter = 20 })), HttpStatusCode.Unauthorized,
            "this write needs a curator");
        using var forged = await host.SignedInAsync("alice", withCsrf: false);
        await AssertStatus(await forged.PostAsync($"/api/frames/{flagged}/resegment", Body(new { diameter = 20 })), HttpStatusCode.Forbidden, "anti-forgery");
        await AssertStatus(await anonymous.GetAsync($"/api/resegmentations/{Guid.NewGuid()}"), HttpStatusCode.Unauthorized, "needs a curator");

        using var c = host.WithToken(host.TokenFor("alice"));
        await AssertStatus(await c.PostAsync($"/api/frames/{flagged}/resegment", Body(new { diameter = 1 })), HttpStatusCode.BadRequest,
            "diameter 1 is out of range: give the objects' diameter in pixels (3-1000), 0 to estimate it on this frame");
        await AssertStatus(await c.PostAsync($"/api/frames/{flagged}/resegment", Body(new { diameter = -5 })), HttpStatusCode.BadRequest, "diameter -5 is out of range");
        await AssertStatus(await c.PostAsync($"/api/frames/{flagged}/resegment", Body(new { flowThreshold = 11 })), HttpStatusCode.BadRequest,
            "flowThreshold 11 is out of range: 0-10");
        await AssertStatus(await c.PostAsync($"/api/frames/{flagged}/resegment", Body(new { cellprobThreshold = 6.5 })), HttpStatusCode.BadRequest,
            "cellprobThreshold 6.5 is out of range: -6 to 6");
        await AssertStatus(await c.PostAsync($"/api/frames/{flagged}/resegment", JsonContent("{\"diameter\": \"big\"}")), HttpStatusCode.BadRequest,
            "re-segment takes JSON");
        await AssertStatus(await c.PostAsync($"/api/frames/{segmented}/resegment", Body(new { diameter = 20 })), HttpStatusCode.Conflict,
            "not in review; re-segment works on frames in review (Flagged): send it to review first");
        await AssertStatus(await c.PostAsync($"/api/frames/{waiting}/resegment", Body(new { diameter = 20 })), HttpStatusCode.Conflict,
            $"frame {waiting} is Acquired: it has no segmentation to redo here");
        var unknown = Guid.NewGuid();
        await AssertStatus(await c.PostAsync($"/api/frames/{unknown}/resegment", Body(new { diameter = 20 })), HttpStatusCode.NotFound, $"frame {unknown} does not exist");
        await AssertStatus(await c.GetAsync($"/api/resegmentations/{unknown}"), HttpStatusCode.NotFound, $"re-segmentation {unknown} does not exist");

        // Nothing was asked of a worker.
        await using var conn = await host.Database.OpenAsync();
        Assert.Equal(0L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT COUNT(*) FROM resegmentations"));
    }

    [Fact]
    public async Task Resegment_FrameClaimedByAnother_RefusedNamingWhoHoldsIt()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        host.AddCurator("bob");
        var frame = await host.SeedFlaggedAsync();
        using var bob = host.WithToken(host.TokenFor("bob"));
        Assert.True((await bob.PostAsync($"/api/frames/{frame}/claim", null)).IsSuccessStatusCode);
        using var alice = host.WithToken(host.TokenFor("alice"));
        var refused = await alice.PostAsync($"/api/frames/{frame}/resegment", Body(new { diameter = 20 }));
        await AssertStatus(refused, HttpStatusCode.Conflict, $"frame {frame} is claimed by bob");
        Assert.Equal("bob", JsonDocument.Parse(await Text(refused)).RootElement.GetProperty("claimedBy").GetString());
    }

    [Fact]
    public async Task Resegment_ARequestStillWaiting_RefusesASecond_UntilItIsStale_ThenReplacesIt()
    {
        await using var host = await ReviewHostFixture.StartAsync([new("Review:ResegmentWaitSeconds", "30")]);
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync();
        var store = new ResegmentationStore(host.Database);
        var waiting = Guid.NewGuid();
        await store.AddAsync(new ResegmentationRow
        {
            Id = waiting.ToString(), FrameId = frame.ToString(), Model = "m", RequestedBy = "bob", RequestedAt = Database.Timestamp(DateTimeOffset.UtcNow),
        });
        using var c = host.WithToken(host.TokenFor("alice"));
        var refused = await c.PostAsync($"/api/frames/{frame}/resegment", Body(new { diameter = 20 }));
        await AssertStatus(refused, HttpStatusCode.Conflict, "has a re-segmentation waiting (requested by bob");
        Assert.Equal(waiting.ToString(), JsonDocument.Parse(await Text(refused)).RootElement.GetProperty("pending").GetString());
        var shown = await Json(await c.GetAsync($"/api/resegmentations/{waiting}"));
        Assert.Equal((ResegmentationStates.Requested, JsonValueKind.Null), (shown.GetProperty("state").GetString(), shown.GetProperty("waiting").ValueKind));
        await AssertStatus(await c.GetAsync($"/api/resegmentations/{waiting}/labels"), HttpStatusCode.Conflict, "its labels come once it is Done");

        // Waiting longer than Review:ResegmentWaitSeconds: reported as such, and a new request replaces it.
        var old = Guid.NewGuid();
        await using (var conn = await host.Database.OpenAsync())
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE resegmentations SET requested_at = @At WHERE id = @Id",
                new { At = Database.Timestamp(DateTimeOffset.UtcNow.AddMinutes(-5)), Id = waiting.ToString() });
        var stale = await Json(await c.GetAsync($"/api/resegmentations/{waiting}"));
        Assert.StartsWith("no segment worker has taken it in 30", stale.GetProperty("waiting").GetString());
        var accepted = await c.PostAsync($"/api/frames/{frame}/resegment", Body(new { diameter = 20 }));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var replaced = (await store.GetAsync(waiting))!;
        Assert.Equal((ResegmentationStates.Failed, "no segment worker took it within 30 s; replaced by a newer request"), (replaced.State, replaced.Reason));
        Assert.NotEqual(old, waiting);
    }

    [Fact]
    public async Task Resegment_AModelThatCannotBeLoaded_EndsFailedNamingIt_FrameStaysInReview()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var masks = TestLabels.Squares(ReviewHostFixture.Size, ReviewHostFixture.Size, ReviewHostFixture.Squares);
        var frame = await host.SeedFrameAsync([new float[ReviewHostFixture.Size * ReviewHostFixture.Size]], masks, realSha: true);
        using var c = host.WithToken(host.TokenFor("alice"));

        var accepted = await c.PostAsync($"/api/frames/{frame}/resegment", Body(new { diameter = 20 }));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        string id = (await Json(accepted)).GetProperty("id").GetString()!;
        Assert.Equal($"/api/resegmentations/{id}", accepted.Headers.Location!.ToString());

        var ended = await EndedAsync(c, id);
        Assert.Equal(ResegmentationStates.Failed, ended.GetProperty("state").GetString());
        Assert.Contains("m.pth", ended.GetProperty("reason").GetString());
        await AssertStatus(await c.GetAsync($"/api/resegmentations/{id}/labels"), HttpStatusCode.Conflict, $"re-segmentation {id} failed: ");
        Assert.Equal(FrameStates.Flagged, (await host.Frames.GetAsync(frame))!.State);
    }

    [SkippableFact]
    public async Task Resegment_ThroughTheService_ProposalLabelsServed_FrameUnchanged_SavedAsACorrection()
    {
        // The service's model is the Cellpose reference network; the frame is its synthetic 256x256 image, reviewed with
        // only one of its objects outlined.
        await using var host = await ReviewHostFixture.StartAsync([new("Models:Paths:m", SharedData.Reference("cpnet_synth_e40.pth"))]);
        host.AddCurator("alice");
        var image = TiffReader.Read(SharedData.Reference("synth_256.tif"));
        var golden = TiffReader.ReadLabels(SharedData.Reference("synth_256_cp_masks.tif"));
        var one = new LabelImage(golden.Labels.Select(v => v == 1 ? 1 : 0).ToArray(), golden.Height, golden.Width);
        var frame = await host.SeedFrameAsync([image.Channel(0).ToArray()], one, realSha: true);
        var before = (await host.Frames.GetAsync(frame))!;
        using var c = host.WithToken(host.TokenFor("alice"));

        var accepted = await c.PostAsync($"/api/frames/{frame}/resegment", Body(new { diameter = 30, flowThreshold = 0.4, cellprobThreshold = 0 }));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        string id = (await Json(accepted)).GetProperty("id").GetString()!;
        var done = await EndedAsync(c, id);
        Assert.True(done.GetProperty("state").GetString() == ResegmentationStates.Done, done.ToString());
        Assert.Equal((1, 30.0, "given", "alice"), (done.GetProperty("modelVersion").GetInt32(), done.GetProperty("diameterUsed").GetDouble(),
            done.GetProperty("diameterSource").GetString(), done.GetProperty("requestedBy").GetString()));

        var labels = await c.GetAsync(done.GetProperty("labelsUrl").GetString());
        Assert.True(labels.IsSuccessStatusCode, await Text(labels));
        Assert.Equal(("resegmentation", "int32"), (labels.Headers.GetValues("X-Labels").Single(), labels.Headers.GetValues("X-Sample-Type").Single()));
        var data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(await labels.Content.ReadAsByteArrayAsync()).ToArray();
        var proposal = new LabelImage(data, golden.Height, golden.Width);
        Assert.Equal(done.GetProperty("objectCount").GetInt32(), proposal.CountObjects());
        // The reference network at Cellpose's settings finds Cellpose's objects.
        Assert.True(SegmentationMetrics.AveragePrecision(golden, proposal) >= 0.99, $"AP@0.5 against Cellpose's masks {SegmentationMetrics.AveragePrecision(golden, proposal)}");

        // The frame's record is what it was; saving the proposal is a correction like any other.
        var after = (await host.Frames.GetAsync(frame))!;
        Assert.Equal((FrameStates.Flagged, before.MasksPath), (after.State, after.MasksPath));
        string tiff = Path.Combine(host.Output, "proposal.tif");
        TiffWriter.WriteLabels(tiff, proposal);
        var saved = await c.PostAsync($"/api/frames/{frame}/correction",
            new ByteArrayContent(await File.ReadAllBytesAsync(tiff)) { Headers = { ContentType = new("image/tiff") } });
        Assert.Equal(proposal.CountObjects(), (await Json(saved)).GetProperty("objects").GetInt32());
    }
}
