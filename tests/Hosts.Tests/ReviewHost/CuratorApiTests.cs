using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost;
using AcqSeg.ServiceDefaults;
using AcqSeg.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>Claims, the queue view, corrections with attribution, and model lineages with roll back.</summary>
public class CuratorApiTests
{
    private static async Task<string> Text(HttpResponseMessage r) => await r.Content.ReadAsStringAsync();

    [Fact]
    public async Task Claim_HeldByAlice_BobIsRefusedToClaimCorrectOrAccept_UntilReleased()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        host.AddCurator("bob");
        var frame = await host.SeedFlaggedAsync();
        using var alice = await host.SignedInAsync("alice");
        using var bob = await host.SignedInAsync("bob");

        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/api/frames/{frame}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/api/frames/{frame}/claim", null)).StatusCode); // renew
        var taken = await bob.PostAsync($"/api/frames/{frame}/claim", null);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Contains("claimed by alice", await Text(taken));
        Assert.Equal(HttpStatusCode.Conflict, (await bob.PostAsync($"/api/frames/{frame}/accept", null)).StatusCode);
        var tiff = TiffBody(TestLabels.Squares(ReviewHostFixture.Size, ReviewHostFixture.Size, (1, 0, 0, 5)));
        Assert.Equal(HttpStatusCode.Conflict, (await bob.PostAsync($"/api/frames/{frame}/correction", tiff)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await bob.DeleteAsync($"/api/frames/{frame}/claim")).StatusCode);

        var queue = await alice.GetFromJsonAsync<JsonElement>("/api/queue");
        Assert.Equal("alice", queue.GetProperty("frames")[0].GetProperty("claim").GetProperty("curator").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/frames/{frame}/claim")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync($"/api/frames/{frame}/claim", null)).StatusCode);
    }

    [Fact]
    public async Task Claim_Expired_CanBeTakenOver()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync();
        var claims = new FrameClaimStore(host.Database);
        var past = DateTimeOffset.UtcNow.AddHours(-1);
        Assert.True((await claims.TryClaimAsync(frame, "alice", past, TimeSpan.FromMinutes(15))).Granted);
        Assert.False((await claims.TryClaimAsync(frame, "bob", past.AddMinutes(5), TimeSpan.FromMinutes(15))).Granted);
        Assert.Null(await claims.ActiveAsync(frame, DateTimeOffset.UtcNow));
        var now = await claims.TryClaimAsync(frame, "bob", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(15));
        Assert.True(now.Granted);
        Assert.Equal("bob", now.Claim.Curator);
    }

    [Fact]
    public async Task Claim_UnknownOrReviewedFrame_RefusedWithReason()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedFlaggedAsync();
        using var c = await host.SignedInAsync("alice");
        Assert.Equal(HttpStatusCode.NotFound, (await c.PostAsync($"/api/frames/{Guid.NewGuid()}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync($"/api/frames/{frame}/accept", null)).StatusCode);
        var again = await c.PostAsync($"/api/frames/{frame}/claim", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("only Flagged frames can be claimed", await Text(again));
    }

    [Fact]
    public async Task Queue_CountsByReason_FiltersAndSorts_BadParametersRefused()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var a = await host.SeedFlaggedAsync("plate1", "flow_qc_dropped");
        var b = await host.SeedFlaggedAsync("plate2", "low_cellprob");
        var c = await host.SeedFlaggedAsync("plate2", "low_cellprob");
        using var client = host.Reader();
        var all = await client.GetFromJsonAsync<JsonElement>("/api/queue");
        Assert.Equal(3, all.GetProperty("flagged").GetInt32());
        var counts = all.GetProperty("reasonCounts").EnumerateArray().ToDictionary(x => x.GetProperty("reason").GetString()!, x => x.GetProperty("frames").GetInt32());
        Assert.Equal(1, counts["flow_qc_dropped"]);
        Assert.Equal(2, counts["low_cellprob"]);
        var low = await client.GetFromJsonAsync<JsonElement>("/api/queue?reason=low_cellprob&sort=-time");
        var ids = low.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("id").GetGuid()).ToList();
        Assert.Equal([c, b], ids);
        var plate1 = await client.GetFromJsonAsync<JsonElement>("/api/queue?acquisition=plate1");
        Assert.Equal(a, Assert.Single(plate1.GetProperty("frames").EnumerateArray()).GetProperty("id").GetGuid());
        var badSort = await client.GetAsync("/api/queue?sort=size");
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
        Assert.Contains("sort 'size' is unknown", await Text(badSort));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/queue?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/queue?limit=abc")).StatusCode);
    }

    [Fact]
    public async Task FramePixels_ShapeHeadersAndValues_MatchTheFiles()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync();
        using var c = host.Reader();
        var labels = await c.GetAsync($"/api/frames/{frame}/labels");
        Assert.Equal("96", labels.Headers.GetValues("X-Width").Single());
        var bytes = await labels.Content.ReadAsByteArrayAsync();
        Assert.Equal(ReviewHostFixture.Size * ReviewHostFixture.Size * 4, bytes.Length);
        Assert.Equal(1, BitConverter.ToInt32(bytes, 4 * (10 * ReviewHostFixture.Size + 10)));
        var pixels = await c.GetAsync($"/api/frames/{frame}/pixels");
        Assert.Equal("1", pixels.Headers.GetValues("X-Channels").Single());
        Assert.Equal(ReviewHostFixture.Size * ReviewHostFixture.Size * 4, (await pixels.Content.ReadAsByteArrayAsync()).Length);
        var thumb = await c.GetAsync($"/api/frames/{frame}/thumbnail.png?size=48");
        Assert.Equal("image/png", thumb.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await c.GetAsync($"/api/frames/{frame}/thumbnail.png?size=5000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync($"/api/frames/{Guid.NewGuid()}/labels")).StatusCode);
    }

    [Fact]
    public async Task Thumbnail_MadeOnceAndKeptOnDisk_ServedFromThereWhenTheImageIsGone_QueueNamesTheFile()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync();
        using var c = host.Reader();
        var queue = await c.GetFromJsonAsync<JsonElement>("/api/queue");
        Assert.Equal("frame.tif", queue.GetProperty("frames")[0].GetProperty("fileName").GetString());

        string folder = host.Services.GetRequiredService<IOptions<ReviewOptions>>().Value.ThumbnailFolder;
        var first = await c.GetByteArrayAsync($"/api/frames/{frame}/thumbnail.png?size=48");
        string kept = Assert.Single(Directory.GetFiles(folder, $"{frame:N}-48-*.png"));
        Assert.Equal(first, await File.ReadAllBytesAsync(kept));

        // Served from the kept file: the image is no longer read.
        File.Delete((await host.Frames.GetAsync(frame))!.Path);
        Assert.Equal(first, await c.GetByteArrayAsync($"/api/frames/{frame}/thumbnail.png?size=48"));
        Assert.Single(Directory.GetFiles(folder, $"{frame:N}-48-*.png"));
    }

    [Fact]
    public async Task Correction_ByBearerCurator_StoredWithCurator_Published_BadUploadsRefused()
    {
        await using var host = await ReviewHostFixture.StartAsync([new("Review:MaxUploadBytes", "65536")]);
        host.AddCurator("carol");
        var frame = await host.SeedFlaggedAsync();
        using var c = host.WithToken(host.TokenFor("carol"));
        int n = ReviewHostFixture.Size;

        var wrongSize = await c.PostAsync($"/api/frames/{frame}/correction", TiffBody(TestLabels.Squares(n / 2, n, (1, 0, 0, 5))));
        Assert.Equal(HttpStatusCode.BadRequest, wrongSize.StatusCode);
        Assert.Contains("correction is 96x48", await Text(wrongSize));
        var garbage = await c.PostAsync($"/api/frames/{frame}/correction", new ByteArrayContent([0x49, 0x49, 42, 0, 9, 9, 9, 9]));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        var huge = new ByteArrayContent(new byte[70_000]);
        huge.Headers.ContentType = new("image/tiff");
        var tooLarge = await c.PostAsync($"/api/frames/{frame}/correction", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("exceeds the limit", await Text(tooLarge));

        var ok = await c.PostAsync($"/api/frames/{frame}/correction", TiffBody(TestLabels.Squares(n, n, (1, 0, 0, 10), (2, 20, 20, 10))));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("carol", await host.CorrectionCuratorAsync(frame));
        var message = await host.WaitForCorrectionAsync(frame);
        Assert.True(File.Exists(message.MasksPath));
        Assert.Equal(2, TiffReader.ReadLabels(message.MasksPath).CountObjects());
        var again = await c.PostAsync($"/api/frames/{frame}/correction", TiffBody(TestLabels.Squares(n, n, (1, 0, 0, 10))));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Models_ListsLineageWithCorrectedCounts_RollBackPinsLiveVersionAndAnnouncesAssignments()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        await host.AddModelVersionsAsync("nuclei", 3);
        var models = new ModelStore(host.Database);
        await models.AssignAsync("plate7", "nuclei", "operator");
        var frame = await host.SeedFlaggedAsync(model: "nuclei", version: 3);
        using var c = await host.SignedInAsync("alice");
        int n = ReviewHostFixture.Size;
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync($"/api/frames/{frame}/correction", TiffBody(TestLabels.Squares(n, n, (1, 0, 0, 10))))).StatusCode);

        var before = await c.GetFromJsonAsync<JsonElement>("/api/models");
        var lineage = before.EnumerateArray().Single(l => l.GetProperty("model").GetString() == "nuclei");
        Assert.Equal(3, lineage.GetProperty("live").GetInt32());
        var v3 = lineage.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetInt32() == 3);
        Assert.Equal(1, v3.GetProperty("correctedFrames").GetInt32());
        Assert.True(v3.GetProperty("live").GetBoolean());

        var rollback = await c.PostAsJsonAsync("/api/models/nuclei/live", new { version = 2 });
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var registry = host.Services.GetRequiredService<ModelRegistry>();
        Assert.Equal(2, (await registry.LiveAsync("nuclei")).Version);
        var after = await c.GetFromJsonAsync<JsonElement>("/api/models");
        var rolled = after.EnumerateArray().Single(l => l.GetProperty("model").GetString() == "nuclei");
        Assert.Equal(2, rolled.GetProperty("live").GetInt32());
        Assert.Equal("alice", rolled.GetProperty("pinnedBy").GetString());
        for (int i = 0; i < 50 && !host.Assignments.Any(a => a.Acquisition == "plate7"); i++) await Task.Delay(100);
        var assigned = Assert.Single(host.Assignments, a => a.Acquisition == "plate7");
        Assert.Equal("nuclei", assigned.Model);

        // A version published after the roll back goes live again.
        await models.TryAddVersionAsync(new ModelVersionRow { Model = "nuclei", Version = 4, Path = "v4.pth", Sha256 = "s4", ParentVersion = 2, CreatedAt = Database.Timestamp(DateTimeOffset.UtcNow) });
        Assert.Equal(4, (await registry.LiveAsync("nuclei")).Version);
    }

    [Fact]
    public async Task SetLive_BadInputs_RefusedWithReasons()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        await host.AddModelVersionsAsync("nuclei", 2);
        using var c = await host.SignedInAsync("alice");
        var unknownModel = await c.PostAsJsonAsync("/api/models/nope/live", new { version = 1 });
        Assert.Equal(HttpStatusCode.NotFound, unknownModel.StatusCode);
        Assert.Contains("has no versions", await Text(unknownModel));
        var unknownVersion = await c.PostAsJsonAsync("/api/models/nuclei/live", new { version = 9 });
        Assert.Equal(HttpStatusCode.NotFound, unknownVersion.StatusCode);
        Assert.Contains("no version 9 (latest is 2)", await Text(unknownVersion));
        Assert.Equal(HttpStatusCode.BadRequest, (await c.PostAsJsonAsync("/api/models/nuclei/live", new { version = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await c.PostAsync("/api/models/nuclei/live", new StringContent("[1,2", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        using var anonymous = host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/models/nuclei/live", new { version = 1 })).StatusCode);
    }

    public static ByteArrayContent TiffBody(LabelImage labels)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"acqseg-ui-{Guid.NewGuid():N}.tif");
        try
        {
            TiffWriter.WriteLabels(temp, labels);
            var content = new ByteArrayContent(File.ReadAllBytes(temp));
            content.Headers.ContentType = new("image/tiff");
            return content;
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
