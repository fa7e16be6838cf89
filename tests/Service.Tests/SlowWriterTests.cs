using AcqSeg.Persistence;
using AcqSeg.Segmentation.Io;
using AcqSeg.ServiceDefaults;
using AcqSeg.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Service.Tests;

/// <summary>
/// A TIFF written slowly (directory first, pixels later, a pause in between) ends as one frame in one terminal state
/// (issue 20, item 1): every role of `acqseg run` in this process on the embedded bus and SQLite.
/// </summary>
[Collection("torch")]
public sealed class SlowWriterTests
{
    private static (byte[] Whole, int Half) Frame()
    {
        var image = TiffReader.Read(SharedData.Reference("synth_256.tif"));
        var whole = DirectoryFirstTiff.FromImage(image.Channel(0).ToArray(), image.Width, image.Height);
        return (whole, whole.Length / 2);
    }

    private static async Task<(Microsoft.AspNetCore.Builder.WebApplication App, FrameStore Frames)> StartAsync(TempFolder tmp, int invalidGraceMs)
    {
        var settings = new RunSettings
        {
            WatchFolders = [tmp.Sub("watch")],
            OutputFolder = tmp.Sub("out"),
            ModelName = "m",
            ModelPath = SharedData.Reference("cpnet_synth_e40.pth"),
            Http = "127.0.0.1:0",
            StableFor = TimeSpan.FromSeconds(0.3),
        };
        var app = AcqSegHost.Build(settings, new Dictionary<string, string?> { ["Watcher:InvalidTiffGraceMilliseconds"] = invalidGraceMs.ToString() });
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<FrameStore>());
    }

    private static async Task<IReadOnlyList<FrameRow>> FramesWhenAsync(FrameStore frames, Func<IReadOnlyList<FrameRow>, bool> done)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var rows = await frames.ListAsync();
            if (done(rows)) return rows;
            if (DateTime.UtcNow > until) throw new TimeoutException($"frames: {string.Join("; ", rows.Select(r => $"{r.State} {r.Reason}"))}");
            await Task.Delay(100);
        }
    }

    [SkippableFact]
    public async Task HalfWrittenFile_WhoseDirectoryIsWhole_WaitsForItsPixels_AndEndsAsOneSegmentedFrame()
    {
        var (whole, half) = Frame();
        using var tmp = new TempFolder("acqseg-slow");
        var (app, frames) = await StartAsync(tmp, invalidGraceMs: 60_000);
        await using var _ = app;
        string path = Path.Combine(tmp.Sub("watch"), "slow.tif");
        // The header and directory are whole: reading them alone took this for a complete frame and failed it as truncated.
        await File.WriteAllBytesAsync(path, whole[..half]);
        TiffReader.ReadMetadata(path);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Empty(await frames.ListAsync());

        await using (var rest = new FileStream(path, FileMode.Append)) await rest.WriteAsync(whole.AsMemory(half));
        var rows = await FramesWhenAsync(frames, r => r.Count > 0 && r.All(f => FrameStates.Terminal.Contains(f.State)));
        var frame = Assert.Single(rows);
        Assert.Contains(frame.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
        Assert.Equal(await FileHash.Sha256Async(path), frame.Sha256);
    }

    [SkippableFact]
    public async Task FileThatFailedAsTruncated_ThenChanges_IsRetriedAsTheSameFrame()
    {
        var (whole, half) = Frame();
        using var tmp = new TempFolder("acqseg-slow");
        // A writer pausing longer than the grace: the half file is published and fails as truncated.
        var (app, frames) = await StartAsync(tmp, invalidGraceMs: 200);
        await using var _ = app;
        string path = Path.Combine(tmp.Sub("watch"), "paused.tif");
        await File.WriteAllBytesAsync(path, whole[..half]);
        var failed = Assert.Single(await FramesWhenAsync(frames, r => r.Count > 0 && r[0].State == FrameStates.Failed));
        Assert.Contains("beyond the end of the file", failed.Reason);

        await using (var rest = new FileStream(path, FileMode.Append)) await rest.WriteAsync(whole.AsMemory(half));
        var rows = await FramesWhenAsync(frames, r => r.Any(f => f.State is FrameStates.Segmented or FrameStates.Flagged));
        var frame = Assert.Single(rows);
        Assert.Equal(failed.Id, frame.Id);
        Assert.Null(frame.Reason);
        Assert.Equal((await FileHash.Sha256Async(path), (long)whole.Length), (frame.Sha256, frame.SizeBytes));
        Assert.True(File.Exists(frame.MasksPath), frame.MasksPath);
    }
}
