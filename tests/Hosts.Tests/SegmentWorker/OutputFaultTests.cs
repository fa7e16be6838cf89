using AcqSeg.Hosts.Tests.AllRolesHost;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

/// <summary>
/// A fault of the output disk (here: a file where the acquisition's output folder should be, so nothing can be
/// written under it) costs no frame (issue 20, items 4 and 7): a short one is waited out, a long one fails the frame
/// with a message naming the file and the fix, and `acqseg requeue` then runs it again through the janitor.
/// </summary>
[Collection("torch")]
public sealed class OutputFaultTests
{
    private static Dictionary<string, string?> Retry(int seconds) => new()
    {
        ["SegmentWorker:OutputRetrySeconds"] = seconds.ToString(),
        ["SegmentWorker:OutputRetryMinMilliseconds"] = "100",
        ["SegmentWorker:OutputRetryMaxMilliseconds"] = "400",
        ["Watcher:JanitorIntervalSeconds"] = "1",
        ["Watcher:UnpublishedGraceSeconds"] = "1",
    };

    private static string BlockOutputs(EmbeddedService service)
    {
        string blocker = Path.Combine(service.Output, "watch");
        File.WriteAllText(blocker, "a file where the output folder should be");
        return blocker;
    }

    [SkippableFact]
    public async Task ShortOutputFault_IsWaitedOut_AndTheFrameIsSegmentedOnce()
    {
        using var tmp = new TempFolder("acqseg-outfault");
        await using var service = await EmbeddedService.StartAsync(tmp, Retry(120));
        string blocker = BlockOutputs(service);
        File.Copy(SharedData.Reference("synth_256.tif"), Path.Combine(service.Watch, "a.tif"));
        await service.FramesWhenAsync(r => r.Count == 1);
        // The frame is being retried, not failed, while the fault lasts.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(FrameStates.Acquired, Assert.Single(await service.Frames.ListAsync()).State);

        File.Delete(blocker);
        var frame = Assert.Single(await service.FramesWhenAsync(r => r.All(f => FrameStates.Terminal.Contains(f.State))));
        Assert.Contains(frame.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
        Assert.True(File.Exists(frame.MasksPath), frame.MasksPath);
    }

    [SkippableFact]
    public async Task LongOutputFault_FailsWithTheFileAndTheFix_AndRequeue_RunsTheFrameAgainOnce()
    {
        using var tmp = new TempFolder("acqseg-outfault");
        await using var service = await EmbeddedService.StartAsync(tmp, Retry(1));
        string blocker = BlockOutputs(service);
        File.Copy(SharedData.Reference("synth_256.tif"), Path.Combine(service.Watch, "b.tif"));
        var failed = Assert.Single(await service.FramesWhenAsync(r => r.Count == 1 && r[0].State == FrameStates.Failed));
        Assert.Contains($"cannot write {blocker}", failed.Reason);
        Assert.Contains("acqseg requeue", failed.Reason);

        File.Delete(blocker);
        var run = CliRun(["requeue", "--db", Path.Combine(service.Output, "acqseg.db"), "--reason", "cannot write"]);
        Assert.Contains("1 Failed frame(s) with a reason containing 'cannot write' requeued", run);
        var frame = Assert.Single(await service.FramesWhenAsync(r => r.All(f => f.State is FrameStates.Segmented or FrameStates.Flagged)));
        Assert.Equal((failed.Id, 1), (frame.Id, frame.RequeueCount));
        Assert.True(File.Exists(frame.MasksPath), frame.MasksPath);
        // Requeueing again finds nothing: the frame ran again exactly once.
        Assert.Contains("0 Failed frame(s)", CliRun(["requeue", "--db", Path.Combine(service.Output, "acqseg.db")]));
    }

    [SkippableFact]
    public async Task FrameStoredButNeverPublished_IsPublishedByTheJanitor()
    {
        using var tmp = new TempFolder("acqseg-janitor");
        await using var service = await EmbeddedService.StartAsync(tmp, Retry(60));
        // What a watcher that died between storing the row and publishing leaves behind.
        string image = Path.Combine(tmp.Sub("elsewhere"), "lost.tif");
        File.Copy(SharedData.Reference("synth_256.tif"), image);
        var row = TestDatabase.NewFrame(path: image, sha: await AcqSeg.Imaging.Io.FileHash.Sha256Async(image));
        row.Model = "m";
        row.AcquiredAt = Database.Timestamp(DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.True(await service.Frames.TryAddAcquiredAsync(row));

        var frame = Assert.Single(await service.FramesWhenAsync(r => r.All(f => FrameStates.Terminal.Contains(f.State))));
        Assert.Contains(frame.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
        Assert.Equal(1, frame.PublishCount);
    }

    private static string CliRun(string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = AcqSeg.Cli.CliApp.Run(args, o, e);
        Assert.True(code == AcqSeg.Cli.CliApp.Ok, $"exit {code}: {e}");
        return o.ToString();
    }
}
