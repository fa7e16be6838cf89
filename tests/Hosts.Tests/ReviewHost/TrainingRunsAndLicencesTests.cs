using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Zoo;
using AcqSeg.Models.Zoo;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>The train worker's rounds as curators (and scripts) read them, and the data licences on the models page.</summary>
public class TrainingRunsAndLicencesTests
{
    [Fact]
    public async Task TrainingRuns_NeedACurator_ListRoundsAndPending_UnknownLineageIs404()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        await host.AddModelVersionsAsync("m", 1);
        using var anonymous = host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/models/m/training-runs")).StatusCode);

        var corrections = new CorrectionStore(host.Database);
        var frame = await host.SeedFlaggedAsync(model: "m");
        await corrections.TryAddAsync(new CorrectionRow
        {
            Id = Guid.NewGuid().ToString(), FrameId = frame.ToString(), Model = "m", ModelVersion = 1, MasksPath = "c.tif", Sha256 = "s",
            SubmittedAt = Database.Timestamp(DateTimeOffset.UtcNow),
        });
        using var c = host.WithToken(host.TokenFor("alice"));
        var pending = await c.GetFromJsonAsync<JsonElement>("/api/models/m/training-runs");
        Assert.Equal(1, pending.GetProperty("pending").GetInt32());
        Assert.Empty(pending.GetProperty("runs").EnumerateArray());

        var run = await corrections.TryStartRunAsync(new TrainingRunRow
        {
            Id = "run-1", Model = "m", BaseVersion = 1, CheckpointDir = "ck", StartedAt = Database.Timestamp(DateTimeOffset.UtcNow), Schedule = "online", Epochs = 100,
        });
        Assert.NotNull(run);
        Assert.True(await corrections.FinishRunAsync("run-1", TrainingStates.Rejected, 0.61, 0.58, null, "rejected: candidate AP@0.5 0.5800 < current", 42));
        var after = await c.GetFromJsonAsync<JsonElement>("/api/models/m/training-runs");
        Assert.Equal(0, after.GetProperty("pending").GetInt32());
        var listed = Assert.Single(after.GetProperty("runs").EnumerateArray());
        Assert.Equal("Rejected", listed.GetProperty("state").GetString());
        Assert.Equal(0.58, listed.GetProperty("apAfter").GetDouble(), 6);
        Assert.StartsWith("rejected:", listed.GetProperty("outcome").GetString());

        var unknown = await c.GetAsync("/api/models/nobody/training-runs");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("'nobody' has no versions", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Models_ShowTheZooBasesLicences_NonCommercialNotice_AndCorrectionsOnceFineTunedHere()
    {
        using var tmp = new TempFolder("acqseg-ui-licences");
        var zoo = ZooNetwork.Open(tmp.Sub("zoo"));
        string weights = tmp.File("he.pth");
        using (var net = CellposeNet.Seeded(1, [2, 8, 16, 32, 64], 17)) CellposeWeights.Save(net, weights);
        zoo.AddVersion("he", weights, new ModelVersion { Licences = [new DataLicence { Licence = "CC-BY-NC-SA-4.0", Data = "monuseg_he" }] });

        await using var host = await ReviewHostFixture.StartAsync([new("Models:ZooRoot", zoo.Root)]);
        host.AddCurator("alice");
        var store = new ModelStore(host.Database);
        await store.TryAddVersionAsync(new ModelVersionRow
        {
            Model = "he", Version = 1, Path = zoo.WeightsPath("he"), Sha256 = ModelSuggester.Sha256(zoo.WeightsPath("he")),
            CreatedAt = Database.Timestamp(DateTimeOffset.UtcNow),
        });
        using var c = host.WithToken(host.TokenFor("alice"));

        var lineage = (await c.GetFromJsonAsync<JsonElement>("/api/models")).EnumerateArray().Single(l => l.GetProperty("model").GetString() == "he");
        var licence = Assert.Single(lineage.GetProperty("licences").EnumerateArray());
        Assert.Equal("CC-BY-NC-SA-4.0", licence.GetProperty("licence").GetString());
        Assert.Equal("he v1", licence.GetProperty("via").GetString());
        Assert.True(licence.GetProperty("nonCommercial").GetBoolean());
        Assert.Contains("Non-commercial: v1 carries data under CC BY-NC-SA 4.0", lineage.GetProperty("nonCommercialNotice").GetString());

        await store.TryAddVersionAsync(new ModelVersionRow
        {
            Model = "he", Version = 2, Path = "v2.pth", Sha256 = "s2", ParentVersion = 1, CreatedAt = Database.Timestamp(DateTimeOffset.UtcNow),
        });
        var tuned = (await c.GetFromJsonAsync<JsonElement>("/api/models")).EnumerateArray().Single(l => l.GetProperty("model").GetString() == "he");
        Assert.Equal(["CC-BY-NC-SA-4.0", "lab-owned"], tuned.GetProperty("licences").EnumerateArray().Select(l => l.GetProperty("licence").GetString()));
        Assert.Contains("v2 carries", tuned.GetProperty("nonCommercialNotice").GetString());
    }

    [Fact]
    public async Task Correction_ForAFrameNeverSentToReview_IsRefusedWithHowToSendIt()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        var frame = await host.SeedSegmentedAsync();
        using var c = host.WithToken(host.TokenFor("alice"));
        int n = ReviewHostFixture.Size;
        string temp = Path.Combine(Path.GetTempPath(), $"acqseg-labels-{Guid.NewGuid():N}.tif");
        AcqSeg.Imaging.Io.TiffWriter.WriteLabels(temp, TestLabels.Squares(n, n, (1, 0, 0, 10)));
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(temp));
        File.Delete(temp);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/tiff");
        var refused = await c.PostAsync($"/api/frames/{frame}/correction", body);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        string message = await refused.Content.ReadAsStringAsync();
        Assert.Contains("is Segmented, not in review", message);
        Assert.Contains($"POST /api/frames/{frame}/send-to-review", message);
        Assert.Empty(host.Corrections);
    }
}
