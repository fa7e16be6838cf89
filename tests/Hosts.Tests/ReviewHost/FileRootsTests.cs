using System.Net;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>Requests never reach files outside the configured roots: traversal in page paths, and database rows
/// that point elsewhere.</summary>
public class FileRootsTests
{
    [Theory]
    [InlineData("/ui/../../../../etc/passwd")]
    [InlineData("/ui/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/ui/..%2f..%2f..%2fetc%2fpasswd")]
    [InlineData("/ui/js/..%5c..%5capp.css")]
    [InlineData("/ui/%2fetc%2fpasswd")]
    public async Task UiPath_Traversal_NeverServesAFileOutsideTheUi(string path)
    {
        await using var host = await ReviewHostFixture.StartAsync();
        // Signed in: anonymously every one of these is refused anyway, which would prove nothing about traversal.
        host.AddCurator("alice");
        using var c = await host.SignedInAsync("alice");
        var r = await c.GetAsync(path);
        string body = await r.Content.ReadAsStringAsync();
        Assert.DoesNotContain("root:", body);
        Assert.NotEqual(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task UiPages_ServedWithSameOriginPolicy()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("alice");
        using var c = await host.SignedInAsync("alice");
        foreach (string page in new[] { "signin.html", "queue.html", "editor.html", "models.html", "throughput.html", "js/editor.js", "app.css" })
        {
            var r = await c.GetAsync("/ui/" + page);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Contains("frame-ancestors 'none'", r.Headers.GetValues("Content-Security-Policy").Single());
        }
        var missing = await c.GetAsync("/ui/nope.html");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("queue.html", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FrameRow_PointingOutsideTheRoots_IsRefused403()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var inside = await host.SeedFlaggedAsync();
        var good = (await host.Frames.GetAsync(inside))!;
        var outside = await host.InsertFlaggedAsync(Guid.NewGuid(), "plate9", "/etc/passwd", "/etc/passwd", "/etc/passwd", "low_cellprob");
        var dotted = await host.InsertFlaggedAsync(Guid.NewGuid(), "plate9", Path.Combine(host.Output, "..", "..", "..", "etc", "passwd"),
            Path.Combine(host.Output, "seed", "..", "..", "..", "etc", "hosts"), good.OutlinesPath, "low_cellprob");
        using var c = host.Reader();
        foreach (var id in new[] { outside, dotted })
        {
            foreach (string part in new[] { "image.png", "pixels", "labels", "masks.tif", "thumbnail.png" })
            {
                var r = await c.GetAsync($"/api/frames/{id}/{part}");
                string body = await r.Content.ReadAsStringAsync();
                Assert.True(r.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{part}: {r.StatusCode} {body}");
                Assert.DoesNotContain("root:", body);
            }
            var image = await c.GetAsync($"/api/frames/{id}/image.png");
            Assert.Equal(HttpStatusCode.Forbidden, image.StatusCode);
            Assert.Contains("outside the configured roots", await image.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync($"/api/frames/{inside}/image.png")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync($"/api/frames/{inside}/outlines.png")).StatusCode);
    }
}
