using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AcqSeg.Contracts;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Apis;
using AcqSeg.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>The review API in process (TestServer) over a SQLite database, with MassTransit's harness as the bus.</summary>
public sealed class ReviewApiTests : IAsyncLifetime
{
    private const int Size = 16;
    private const long MaxUpload = 4096;
    private readonly TestDatabase db = new();
    private WebApplication app = null!;
    private HttpClient client = null!;
    private ITestHarness harness = null!;
    private FrameRow flaggedA = null!, flaggedB = null!, segmented = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = db.Path,
            ["Review:CorrectionsRoot"] = Path.Combine(db.Folder, "corrections"),
            // The frames' files live beside the database here; the API serves files only under configured roots.
            ["Review:ReadableRoots:0"] = db.Folder,
            ["Review:MaxUploadBytes"] = MaxUpload.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddAcqSegPersistence();
        builder.AddReviewServices();
        builder.Services.AddMassTransitTestHarness();
        app = builder.Build();
        app.MapReviewApi();
        await app.StartAsync();
        client = app.GetTestClient();
        // Writes need a curator: these tests act as one through a bearer token, as a script would.
        var curators = new CuratorStore(db.Database);
        await curators.TryAddAsync("tester", "not-a-password-hash");
        var (token, sha) = AcqSeg.ReviewHost.Curators.CuratorPasswords.NewToken();
        await curators.AddTokenAsync("tester", sha);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        harness = app.Services.GetRequiredService<ITestHarness>();

        flaggedA = await FrameAsync("acq1", "m1", "low_cellprob");
        flaggedB = await FrameAsync("acq2", "m2", "count_outlier");
        segmented = await FrameAsync("acq2", "m1", null);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        db.Dispose();
    }

    /// <summary>A 16x16 frame with image, masks and outlines on disk, completed as flagged (with the reason) or segmented.</summary>
    private async Task<FrameRow> FrameAsync(string acquisition, string model, string? reason)
    {
        string dir = Directory.CreateDirectory(Path.Combine(db.Folder, Guid.NewGuid().ToString("N"))).FullName;
        string image = Path.Combine(dir, "frame.tif");
        var pixels = new float[Size * Size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = i % 7;
        TiffWriter.WriteFloatPages(image, [pixels], Size, Size);
        string masks = Path.Combine(dir, "frame_cp_masks.tif");
        TiffWriter.WriteLabels(masks, TestLabels.Squares(Size, Size, (1, 2, 2, 5)));
        string outlines = Path.Combine(dir, "frame_outlines.png");
        await File.WriteAllBytesAsync(outlines, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]);

        var row = TestDatabase.NewFrame(acquisition, image, Guid.NewGuid().ToString("N"));
        row.Model = model;
        await db.Frames.TryAddAcquiredAsync(row);
        var reasons = reason is null ? Array.Empty<ReviewReason>() : [new ReviewReason(reason, "detail")];
        await db.Frames.TryCompleteAsync(new SegmentationRecord(row.FrameId, reason is not null, 1, masks, null, outlines, null,
            new FrameStatsRow { Height = Size, Width = Size, ObjectCount = 1, MeanCellprob = 0.4, Style = "0.5,0.5" }, reasons));
        return (await db.Frames.GetAsync(row.FrameId))!;
    }

    private static byte[] LabelTiff(LabelImage labels)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"acqseg-test-{Guid.NewGuid():N}.tif");
        try
        {
            TiffWriter.WriteLabels(temp, labels);
            return File.ReadAllBytes(temp);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static ByteArrayContent Tiff(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/tiff");
        return content;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Asserts a problem response: the status and a detail that mentions <paramref name="mentions"/>.</summary>
    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string mentions)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        string detail = json.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains(mentions, detail, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<List<Guid>> ListIds(string query)
    {
        var items = await client.GetFromJsonAsync<List<FlaggedFrameDto>>("/api/review" + query);
        return items!.Select(i => i.Id).ToList();
    }

    [Fact]
    public async Task ListReview_EachFilter_ReturnsOnlyMatchingFlaggedFrames()
    {
        Assert.Equal(new[] { flaggedA.FrameId, flaggedB.FrameId }.Order(), (await ListIds("")).Order());
        Assert.Equal([flaggedA.FrameId], await ListIds("?acquisition=acq1"));
        Assert.Equal([flaggedB.FrameId], await ListIds("?reason=count_outlier"));
        Assert.Equal([flaggedA.FrameId], await ListIds("?model=m1"));
        Assert.Equal([flaggedB.FrameId], await ListIds("?acquisition=acq2&model=m2&reason=count_outlier"));
        Assert.Empty(await ListIds("?acquisition=../../etc"));
        Assert.Single(await ListIds("?limit=1"));
        var listed = (await client.GetFromJsonAsync<List<FlaggedFrameDto>>("/api/review?acquisition=acq1"))!.Single();
        Assert.Equal(["low_cellprob"], listed.Reasons);
        await AssertProblem(await client.GetAsync("/api/review?limit=0"), HttpStatusCode.BadRequest, "limit");
    }

    [Fact]
    public async Task FrameDetailAndFiles_FlaggedFrame_ReturnStatsImagePngOutlinesAndMasks()
    {
        string id = flaggedA.Id;
        using var detail = JsonDocument.Parse(await client.GetStringAsync($"/api/frames/{id}"));
        Assert.Equal(Size, detail.RootElement.GetProperty("stats").GetProperty("height").GetInt32());
        Assert.Equal("low_cellprob", detail.RootElement.GetProperty("reasons")[0].GetProperty("reason").GetString());

        var image = await client.GetAsync($"/api/frames/{id}/image.png");
        Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, (await image.Content.ReadAsByteArrayAsync())[..4]);

        var outlines = await client.GetAsync($"/api/frames/{id}/outlines.png");
        Assert.Equal("image/png", outlines.Content.Headers.ContentType!.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(flaggedA.OutlinesPath!), await outlines.Content.ReadAsByteArrayAsync());

        var masks = await client.GetAsync($"/api/frames/{id}/masks.tif");
        Assert.Equal("image/tiff", masks.Content.Headers.ContentType!.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(flaggedA.MasksPath!), await masks.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Correction_AsLabelTiff_IsStoredMarksFrameCorrectedAndPublishes()
    {
        var labels = TestLabels.Squares(Size, Size, (1, 1, 1, 4), (2, 8, 8, 5));
        var response = await client.PostAsync($"/api/frames/{flaggedA.Id}/correction", Tiff(LabelTiff(labels)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<CorrectionAccepted>())!;
        Assert.Equal((flaggedA.FrameId, 2), (accepted.FrameId, accepted.Objects));
        Assert.Equal(labels.Labels, TiffReader.ReadLabels(accepted.MasksPath).Labels);
        Assert.StartsWith(Path.Combine(db.Folder, "corrections"), accepted.MasksPath);
        var stored = Assert.Single(await db.Corrections.ForModelAsync("m1"));
        Assert.Equal((accepted.CorrectionId.ToString(), accepted.Sha256), (stored.Id, stored.Sha256));
        Assert.Equal(FrameStates.Corrected, (await db.Frames.GetAsync(flaggedA.FrameId))!.State);
        Assert.True(await harness.Published.Any<CorrectionSubmitted>(x => x.Context.Message.CorrectionId == accepted.CorrectionId));
        var message = harness.Published.Select<CorrectionSubmitted>().Single().Context.Message;
        Assert.Equal((flaggedA.FrameId, "m1", "acq1", accepted.MasksPath), (message.FrameId, message.Model, message.Acquisition, message.MasksPath));
    }

    [Fact]
    public async Task Correction_AsCellposeSegNpy_IsReadByItsMagicAndStoredAsLabelTiff()
    {
        var labels = TestLabels.Squares(Size, Size, (1, 1, 1, 4), (2, 8, 8, 5), (3, 2, 10, 3));
        string npy = Path.Combine(db.Folder, "upload_seg.npy");
        CellposeSegFile.Write(npy, new CellposeSeg { Masks = labels, Outlines = MaskContours.OutlineLabels(labels), Filename = "frame.tif" });
        var body = new ByteArrayContent(await File.ReadAllBytesAsync(npy));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        var response = await client.PostAsync($"/api/frames/{flaggedA.Id}/correction", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<CorrectionAccepted>())!;
        Assert.Equal(3, accepted.Objects);
        Assert.Equal(labels.Labels, TiffReader.ReadLabels(accepted.MasksPath).Labels);
        Assert.Equal(FrameStates.Corrected, (await db.Frames.GetAsync(flaggedA.FrameId))!.State);
    }

    [Fact]
    public async Task Correction_NpyThatIsNotASegFile_Is400NamingWhatIsMissing()
    {
        string npy = Path.Combine(db.Folder, "other.npy");
        NpyObjectFile.Write(npy, new Dictionary<string, object?> { ["A"] = NpyArray.Float32([1f, 2f], 2) });
        var response = await client.PostAsync($"/api/frames/{flaggedA.Id}/correction", Tiff(await File.ReadAllBytesAsync(npy)));
        await AssertProblem(response, HttpStatusCode.BadRequest, "has no 'masks'");
        Assert.Empty(await db.Corrections.ForModelAsync("m1"));
    }

    [Fact]
    public async Task Correction_AsPolygonsJson_IsRasterizedStoredAndPublished()
    {
        string json = """{"height":16,"width":16,"polygons":[[[1,1],[6,1],[6,6],[1,6]],[[9,9],[14,9],[14,14]]]}""";
        var response = await client.PostAsync($"/api/frames/{flaggedB.Id}/correction", Json(json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<CorrectionAccepted>())!;
        var labels = TiffReader.ReadLabels(accepted.MasksPath);
        Assert.Equal(2, accepted.Objects);
        Assert.Equal(1, labels.Labels[3 * Size + 3]);
        // The triangle (9,9)-(14,9)-(14,14) is the half above its diagonal: (x 13, y 10) is inside, (x 10, y 13) is not.
        Assert.Equal(2, labels.Labels[10 * Size + 13]);
        Assert.Equal(0, labels.Labels[13 * Size + 10]);
        Assert.True(await harness.Published.Any<CorrectionSubmitted>(x => x.Context.Message.FrameId == flaggedB.FrameId));
    }

    [Fact]
    public async Task AcceptAndSkip_FlaggedFrames_MoveThemOutOfTheQueueOnce()
    {
        var accept = await client.PostAsync($"/api/frames/{flaggedA.Id}/accept", null);
        Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        var skip = await client.PostAsync($"/api/frames/{flaggedB.Id}/skip", null);
        Assert.Equal(HttpStatusCode.OK, skip.StatusCode);

        Assert.Equal(FrameStates.Accepted, (await db.Frames.GetAsync(flaggedA.FrameId))!.State);
        Assert.Equal(FrameStates.Skipped, (await db.Frames.GetAsync(flaggedB.FrameId))!.State);
        Assert.Empty(await ListIds(""));
        await AssertProblem(await client.PostAsync($"/api/frames/{flaggedA.Id}/skip", null), HttpStatusCode.Conflict, "Accepted");
    }

    [Fact]
    public async Task Correction_WrongSizeLabelTiff_Is400NamingBothSizes()
    {
        var response = await client.PostAsync($"/api/frames/{flaggedA.Id}/correction", Tiff(LabelTiff(TestLabels.Squares(12, 20, (1, 1, 1, 3)))));
        await AssertProblem(response, HttpStatusCode.BadRequest, "is 16x16");
        Assert.Empty(await db.Corrections.ForModelAsync("m1"));
        Assert.Equal(FrameStates.Flagged, (await db.Frames.GetAsync(flaggedA.FrameId))!.State);
    }

    [Fact]
    public async Task Correction_NonTiffUpload_Is400()
    {
        var response = await client.PostAsync($"/api/frames/{flaggedA.Id}/correction", Tiff(Encoding.ASCII.GetBytes("this is not a TIFF at all")));
        await AssertProblem(response, HttpStatusCode.BadRequest, "not a valid label TIFF");
    }

    [Fact]
    public async Task Correction_OversizedUpload_Is413()
    {
        var response = await client.PostAsync($"/api/frames/{flaggedA.Id}/correction", Tiff(new byte[MaxUpload + 1]));
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "limit");
        Assert.False(Directory.Exists(Path.Combine(db.Folder, "corrections")));
    }

    [Theory]
    [InlineData("{\"height\":16,\"width\":16,\"polygons\":[[[1,1],[5,5]]]}", HttpStatusCode.BadRequest, "at least 3")]
    [InlineData("{\"height\":16,\"width\":16,\"polygons\":[[[1,1,1],[5,5],[1,5]]]}", HttpStatusCode.BadRequest, "[x, y]")]
    [InlineData("{\"height\":16,\"width\":16,\"polygons\":[null]}", HttpStatusCode.BadRequest, "polygon 0")]
    [InlineData("{\"height\":16,\"width\":16}", HttpStatusCode.BadRequest, "polygons")]
    [InlineData("{\"height\":16,\"width\":", HttpStatusCode.BadRequest, "polygons JSON")]
    [InlineData("[1,2,3]", HttpStatusCode.BadRequest, "polygons JSON")]
    [InlineData("{\"height\":100000,\"width\":100000,\"polygons\":[]}", HttpStatusCode.BadRequest, "is 16x16")]
    [InlineData("{\"height\":-4,\"width\":16,\"polygons\":[]}", HttpStatusCode.BadRequest, "is 16x16")]
    public async Task Correction_BadPolygonsJson_Is400WithTheProblem(string json, HttpStatusCode status, string mentions)
    {
        await AssertProblem(await client.PostAsync($"/api/frames/{flaggedA.Id}/correction", Json(json)), status, mentions);
        Assert.Empty(await db.Corrections.ForModelAsync("m1"));
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/image.png")]
    [InlineData("GET", "/outlines.png")]
    [InlineData("GET", "/masks.tif")]
    [InlineData("POST", "/correction")]
    [InlineData("POST", "/accept")]
    [InlineData("POST", "/skip")]
    [InlineData("POST", "/send-to-review")]
    public async Task UnknownFrameId_Is404NamingTheFrame(string method, string suffix)
    {
        var id = Guid.NewGuid();
        var request = new HttpRequestMessage(new HttpMethod(method), $"/api/frames/{id}{suffix}");
        if (method == "POST") request.Content = Tiff(LabelTiff(TestLabels.Squares(Size, Size)));
        await AssertProblem(await client.SendAsync(request), HttpStatusCode.NotFound, $"frame {id} does not exist");
    }

    [Theory]
    [InlineData("/correction")]
    [InlineData("/accept")]
    [InlineData("/skip")]
    public async Task ActingOnNonFlaggedFrame_Is409NamingItsState(string action)
    {
        var response = await client.PostAsync($"/api/frames/{segmented.Id}{action}", Tiff(LabelTiff(TestLabels.Squares(Size, Size, (1, 1, 1, 3)))));
        await AssertProblem(response, HttpStatusCode.Conflict, FrameStates.Segmented);
        Assert.Equal(FrameStates.Segmented, (await db.Frames.GetAsync(segmented.FrameId))!.State);
        Assert.Empty(harness.Published.Select<CorrectionSubmitted>());
    }

    [Theory]
    [InlineData("/api/frames/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/frames/..%2F..%2F..%2Fetc%2Fpasswd/masks.tif")]
    [InlineData("/api/frames/%2Fetc%2Fpasswd/image.png")]
    [InlineData("/api/frames/..%5C..%5Cwindows%5Cwin.ini/outlines.png")]
    [InlineData("/api/frames/not-a-guid/accept")]
    public async Task PathTraversalOrMalformedId_Is404WithAMessageAndServesNoFile(string path)
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, path));
            await AssertProblem(response, HttpStatusCode.NotFound, "frame ids are GUIDs");
        }
    }

    [Fact]
    public async Task PathTraversal_DotSegments_NeverReachAFileOutsideTheApi()
    {
        // The client and server normalise literal dot segments away; what arrives must still be a 4xx with a message.
        var response = await client.GetAsync($"/api/frames/{flaggedA.Id}/../../../../etc/passwd");
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"status {(int)response.StatusCode}");
        Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync());
    }
}
