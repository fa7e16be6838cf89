using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost;
using AcqSeg.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>What the editor reads besides the queue (issue 22, item 5): compact compressed pixels and labels, the flows
/// and cell-probability views, and the zoo models' live versions for the models page.</summary>
public class EditorDataApiTests
{
    private static async Task<(HttpResponseMessage Response, byte[] Body)> GetGzipAsync(HttpClient c, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.AcceptEncoding.Add(new System.Net.Http.Headers.StringWithQualityHeaderValue("gzip"));
        var r = await c.SendAsync(request);
        Assert.True(r.IsSuccessStatusCode, $"GET {url}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return (r, await r.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The body as sent before compression: gzip is used only where it makes the body smaller.</summary>
    private static byte[] Decoded(HttpResponseMessage r, byte[] body) => r.Content.Headers.ContentEncoding.Contains("gzip") ? Gunzip(body) : body;

    private static byte[] Gunzip(byte[] body)
    {
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        gzip.CopyTo(raw);
        return raw.ToArray();
    }

    private static string SampleType(HttpResponseMessage r) => r.Headers.GetValues("X-Sample-Type").Single();

    /// <summary>Labels in horizontal bands (one label per 3 rows, so a 300-row frame has 100), the last band <paramref name="last"/>.</summary>
    private static LabelImage Bands(int h, int w, int last)
    {
        var labels = new int[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                labels[y * w + x] = x < 20 ? 0 : y >= h - 3 ? last : 1 + y / 3;
        return new LabelImage(labels, h, w);
    }

    [Fact]
    public async Task PixelsAndLabels_CompactAndGzipped_ArriveExactly_InTheSmallestTypeThatHoldsThem()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        const int h = 300, w = 517;
        var sixteenBit = new float[h * w];
        for (int i = 0; i < sixteenBit.Length; i++) sixteenBit[i] = i * 7919 % 65536;
        var eightBit = sixteenBit.Select(v => v % 256).ToArray();
        var fractional = sixteenBit.Select(v => v / 4).ToArray();
        var small = Bands(h, w, 65535);
        var large = Bands(h, w, 70000);
        var a = await host.SeedFrameAsync([sixteenBit, eightBit], small);
        var b = await host.SeedFrameAsync([fractional], large);
        using var c = host.Reader();

        var (labels, body) = await GetGzipAsync(c, $"/api/frames/{a}/labels?compact=true");
        Assert.Equal("gzip", labels.Content.Headers.ContentEncoding.Single());
        Assert.Equal("uint16", SampleType(labels));
        byte[] raw = Gunzip(body);
        Assert.Equal(small.Labels, MemoryMarshal.Cast<byte, ushort>(raw).ToArray().Select(v => (int)v));
        // 16 bytes in 1: int32 bands compress to almost nothing.
        Assert.True(body.Length * 16 < h * w * 4, $"{body.Length} compressed bytes for {h * w * 4} bytes of int32 labels");

        var (pixels, pixelBody) = await GetGzipAsync(c, $"/api/frames/{a}/pixels?compact=true");
        Assert.Equal(("uint16", "2"), (SampleType(pixels), pixels.Headers.GetValues("X-Channels").Single()));
        var values = MemoryMarshal.Cast<byte, ushort>(Decoded(pixels, pixelBody)).ToArray();
        Assert.Equal(sixteenBit.Concat(eightBit), values.Select(v => (float)v));

        var (largeLabels, largeBody) = await GetGzipAsync(c, $"/api/frames/{b}/labels?compact=true");
        Assert.Equal("int32", SampleType(largeLabels));
        Assert.Equal("gzip", largeLabels.Content.Headers.ContentEncoding.Single());
        Assert.Equal(large.Labels, MemoryMarshal.Cast<byte, int>(Gunzip(largeBody)).ToArray());
        var (floatPixels, floatBody) = await GetGzipAsync(c, $"/api/frames/{b}/pixels?compact=true");
        Assert.Equal("float32", SampleType(floatPixels));
        Assert.Equal(fractional, MemoryMarshal.Cast<byte, float>(Decoded(floatPixels, floatBody)).ToArray());

        // A single 8-bit channel travels as bytes; without compact=true and gzip, as before: float32, uncompressed.
        var c8 = await host.SeedFrameAsync([eightBit], small);
        var (bytes8, body8) = await GetGzipAsync(c, $"/api/frames/{c8}/pixels?compact=true");
        Assert.Equal("uint8", SampleType(bytes8));
        Assert.Equal(eightBit, Decoded(bytes8, body8).Select(v => (float)v));
        var plain = await c.GetAsync($"/api/frames/{c8}/pixels");
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal("float32", SampleType(plain));
        Assert.Equal(eightBit, MemoryMarshal.Cast<byte, float>(await plain.Content.ReadAsByteArrayAsync()).ToArray());
    }

    [Fact]
    public async Task Pixels_NoiseThatGzipWouldEnlarge_SentUncompressed()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var random = new Random(7);
        var noise = Enumerable.Range(0, 256 * 256).Select(_ => (float)random.Next(65536)).ToArray();
        var frame = await host.SeedFrameAsync([noise], new LabelImage(new int[256 * 256], 256, 256));
        using var c = host.Reader();
        var (pixels, body) = await GetGzipAsync(c, $"/api/frames/{frame}/pixels?compact=true");
        Assert.Empty(pixels.Content.Headers.ContentEncoding);
        Assert.Equal(noise, MemoryMarshal.Cast<byte, ushort>(body).ToArray().Select(v => (float)v));
    }

    [Fact]
    public async Task FlowsViews_FrameWithoutFlows_DetailAndPicturesNameTheOptionThatKeepsThem()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync();
        using var c = host.Reader();

        var views = (await c.GetFromJsonAsync<JsonElement>($"/api/frames/{frame}")).GetProperty("views");
        Assert.False(views.GetProperty("flows").GetBoolean());
        Assert.Contains("set SegmentWorker:SaveFlows=true (acqseg run --save-flows)", views.GetProperty("flowsUnavailable").GetString());
        foreach (string view in new[] { "flows", "cellprob" })
        {
            var r = await c.GetAsync($"/api/frames/{frame}/{view}.png");
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            var problem = await r.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("SegmentWorker:SaveFlows", problem.GetProperty("enableWith").GetString());
            Assert.Contains("SegmentWorker:SaveFlows=true", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task FlowsViews_FrameWithFlows_CellposeColoursAndProbability_KeptOnce_GoneFileExplained()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var frame = await host.SeedFlaggedAsync(flows: true);
        using var c = host.Reader();
        int n = ReviewHostFixture.Size;
        var detail = await c.GetFromJsonAsync<JsonElement>($"/api/frames/{frame}");
        Assert.True(detail.GetProperty("views").GetProperty("flows").GetBoolean());

        var flows = await c.GetAsync($"/api/frames/{frame}/flows.png");
        Assert.Equal("image/png", flows.Content.Headers.ContentType!.MediaType);
        using var colours = SKBitmap.Decode(await flows.Content.ReadAsByteArrayAsync());
        Assert.Equal((n, n), (colours.Width, colours.Height));
        // Square 1 covers rows and columns 8-21: its left and right edges flow in opposite directions (other hues),
        // the background does not flow (black).
        SKColor left = colours.GetPixel(9, 15), right = colours.GetPixel(20, 15), background = colours.GetPixel(80, 80);
        Assert.True(Spread(left) > 60 && Spread(right) > 60, $"edges {left} and {right} are not coloured");
        Assert.True(Math.Abs(left.Red - right.Red) + Math.Abs(left.Green - right.Green) + Math.Abs(left.Blue - right.Blue) > 120,
            $"opposite flows have similar colours {left} and {right}");
        Assert.Equal(SKColors.Black, background);

        using var probability = SKBitmap.Decode(await c.GetByteArrayAsync($"/api/frames/{frame}/cellprob.png"));
        Assert.Equal((byte)255, probability.GetPixel(15, 15).Red);
        Assert.Equal((byte)0, probability.GetPixel(80, 80).Red);
        string cache = host.Services.GetRequiredService<IOptions<ReviewOptions>>().Value.ThumbnailFolder;
        Assert.Single(Directory.GetFiles(cache, $"{frame:N}-flows-*.png"));
        Assert.Single(Directory.GetFiles(cache, $"{frame:N}-cellprob-*.png"));

        // The flows file deleted since: no view, and the reason says so.
        File.Delete((await host.Frames.GetAsync(frame))!.FlowsPath!);
        var gone = (await c.GetFromJsonAsync<JsonElement>($"/api/frames/{frame}")).GetProperty("views");
        Assert.False(gone.GetProperty("flows").GetBoolean());
        Assert.Contains("is gone from disk", gone.GetProperty("flowsUnavailable").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync($"/api/frames/{frame}/flows.png")).StatusCode);

        // A flows path outside the readable roots is refused, not read.
        var outside = await host.InsertFlaggedAsync(Guid.NewGuid(), "plate9", (await host.Frames.GetAsync(frame))!.Path,
            (await host.Frames.GetAsync(frame))!.MasksPath!, null, "low_cellprob", flows: "/etc/passwd");
        var refused = await c.GetAsync($"/api/frames/{outside}/flows.png");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("outside the configured roots", await refused.Content.ReadAsStringAsync());
    }

    private static int Spread(SKColor c) => Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue));

    [Fact]
    public async Task ZooModels_EachWithTheRegistrysLiveVersion_NullUntilUsed_RollBackShowsWhoPinnedIt()
    {
        using var zoo = new TempFolder("acqseg-zoo");
        await using var host = await ReviewHostFixture.StartWithZooAsync(zoo.Path);
        host.AddCurator("alice");
        using var c = await host.SignedInAsync("alice");

        async Task<Dictionary<string, JsonElement>> ZooAsync()
        {
            var body = await c.GetFromJsonAsync<JsonElement>("/api/models/zoo");
            Assert.True(body.GetProperty("configured").GetBoolean());
            return body.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("model").GetString()!);
        }
        var models = await ZooAsync();
        Assert.Equal(["cyto", "nuclei"], models.Keys.Order(StringComparer.Ordinal));
        var nuclei = models["nuclei"];
        Assert.Equal((7, 6, 7), (nuclei.GetProperty("live").GetInt32(), nuclei.GetProperty("zooVersion").GetInt32(), nuclei.GetProperty("latest").GetInt32()));
        Assert.Equal(JsonValueKind.Null, nuclei.GetProperty("pinnedBy").ValueKind);
        var cyto = models["cyto"];
        Assert.Equal(JsonValueKind.Null, cyto.GetProperty("live").ValueKind);
        Assert.Equal(3, cyto.GetProperty("zooVersion").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await c.PostAsJsonAsync("/api/models/nuclei/live", new { version = 6 })).StatusCode);
        nuclei = (await ZooAsync())["nuclei"];
        Assert.Equal((6, 7, "alice"), (nuclei.GetProperty("live").GetInt32(), nuclei.GetProperty("latest").GetInt32(), nuclei.GetProperty("pinnedBy").GetString()));
        Assert.Equal(6, (await host.Services.GetRequiredService<ModelRegistry>().LiveAsync("nuclei")).Version);
    }

    [Fact]
    public async Task ZooModels_ServiceWithoutAZoo_SaysSoWithAnEmptyList()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var c = host.Reader();
        var body = await c.GetFromJsonAsync<JsonElement>("/api/models/zoo");
        Assert.False(body.GetProperty("configured").GetBoolean());
        Assert.Equal(0, body.GetProperty("models").GetArrayLength());
    }
}
