using AcqSeg.Contracts;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Models.Sizing;
using AcqSeg.Persistence;
using AcqSeg.SegmentWorker;
using AcqSeg.SegmentWorker.Consumers;
using AcqSeg.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

/// <summary>The editor's Re-segment on the worker's side (<see cref="ResegmentFrameConsumer"/>, issue 22).</summary>
public sealed partial class SegmentFramesConsumerTests
{
    private ResegmentationStore Requests => new(db.Database);

    /// <summary>A segmented frame of synth_256 (worker diameter 30) and the worker's provider and harness, started.</summary>
    private async Task<(ServiceProvider Provider, ITestHarness Harness, FrameAcquired Frame)> SegmentedFrameAsync(string weights)
    {
        string image = Path.Combine(db.Folder, "synth_256.tif");
        File.Copy(SharedData.Reference("synth_256.tif"), image);
        var provider = Provider(weights);
        var harness = provider.GetRequiredService<ITestHarness>();
        harness.TestTimeout = TimeSpan.FromMinutes(2);
        await harness.Start();
        var frame = await StoreFrame(image);
        await harness.Bus.Publish(frame);
        Assert.True(await harness.Published.Any<FrameSegmented>(x => x.Context.Message.FrameId == frame.FrameId));
        return (provider, harness, frame);
    }

    /// <summary>Stores a request as the review API does and publishes its command.</summary>
    private async Task<ResegmentFrame> RequestAsync(ITestHarness harness, FrameAcquired frame, double? diameter, double? flow = null, double? cellprob = null,
        string? sha = null)
    {
        var now = DateTimeOffset.UtcNow;
        var command = new ResegmentFrame(Guid.NewGuid(), frame.FrameId, sha ?? frame.Sha256, "m", diameter, flow, cellprob, "alice", now);
        await Requests.AddAsync(new ResegmentationRow
        {
            Id = command.RequestId.ToString(), FrameId = frame.FrameId.ToString(), Model = "m", RequestedBy = "alice", RequestedAt = Database.Timestamp(now),
            Diameter = diameter, FlowThreshold = flow, CellprobThreshold = cellprob,
        });
        await harness.Bus.Publish(command);
        return command;
    }

    [SkippableFact]
    public async Task Resegment_GivenSettings_ProposalIsTheSegmentationAtThem_FrameLeftAsItWas_ARedeliveryChangesNothing()
    {
        string weights = SharedData.Reference("cpnet_synth_e40.pth");
        var (provider, harness, frame) = await SegmentedFrameAsync(weights);
        await using var _ = provider;
        var before = (await db.Frames.GetAsync(frame.FrameId))!;
        int objectsBefore = (await db.Frames.GetStatsAsync(frame.FrameId))!.ObjectCount;
        byte[] masksBefore = await File.ReadAllBytesAsync(before.MasksPath!);

        var command = await RequestAsync(harness, frame, diameter: 20, flow: 0.8, cellprob: -1);
        Assert.True(await harness.Published.Any<FrameResegmented>(x => x.Context.Message.RequestId == command.RequestId));

        var done = harness.Published.Select<FrameResegmented>().Single().Context.Message;
        var row = (await Requests.GetAsync(command.RequestId))!;
        Assert.Equal((ResegmentationStates.Done, 1, 20.0, DiameterSources.Given, 0.8, -1.0), (row.State, row.ModelVersion, row.DiameterUsed!.Value,
            row.DiameterSource, Math.Round(row.FlowThresholdUsed!.Value, 6), row.CellprobThresholdUsed!.Value));
        Assert.Equal((done.ObjectCount, done.MasksPath), (row.ObjectCount!.Value, row.MasksPath));
        Assert.Equal(Path.Combine(db.Folder, "out", ResegmentFrameConsumer.Folder, frame.FrameId.ToString("N"), $"{command.RequestId:N}_cp_masks.tif"),
            row.MasksPath);

        // The proposal is what the worker's own path gives at those settings.
        var settings = provider.GetRequiredService<IOptions<SegmentWorkerOptions>>().Value.ToSettings() with
        {
            Diameter = 20, FlowThreshold = 0.8f, CellprobThreshold = -1f,
        };
        using var model = CellposeModel.Load(weights, DeviceChoice.Cpu);
        var expected = new FrameSegmenter(model).Segment(TiffReader.Read(frame.Path), settings).Masks;
        var proposal = TiffReader.ReadLabels(row.MasksPath!);
        Assert.Equal(expected.Labels, proposal.Labels);
        Assert.Equal(expected.CountObjects(), done.ObjectCount);
        // Other settings, other masks (the frame's were made at diameter 30, the defaults' thresholds).
        Assert.NotEqual(TiffReader.ReadLabels(before.MasksPath!).Labels, proposal.Labels);
        Assert.True(objectsBefore > 0 && done.ObjectCount > 0, $"{objectsBefore} and {done.ObjectCount} objects");

        // The frame's own record is untouched.
        var after = (await db.Frames.GetAsync(frame.FrameId))!;
        Assert.Equal((before.State, before.MasksPath, before.ModelVersion), (after.State, after.MasksPath, after.ModelVersion));
        Assert.Equal(masksBefore, await File.ReadAllBytesAsync(after.MasksPath!));

        // The same command again (a redelivery) finds the request done: no second event.
        await harness.Bus.Publish(command);
        Assert.True(await harness.Consumed.Any<ResegmentFrame>(x => x.Context.Message.RequestId == command.RequestId));
        int consumed = 0;
        await foreach (var unused in harness.Consumed.SelectAsync<ResegmentFrame>())
        {
            if (++consumed == 2) break;
        }
        Assert.Single(harness.Published.Select<FrameResegmented>());
        Assert.False(await harness.Published.Any<FrameResegmentFailed>());
    }

    [SkippableFact]
    public async Task Resegment_DiameterZero_EstimatesOnThisFrameWithTheSizeModelBesideTheWeights_ThoughTheWorkerRunsAGivenDiameter()
    {
        string weights = Path.Combine(db.Folder, "m.pth");
        File.Copy(SharedData.Reference("cpnet_synth_e40.pth"), weights);
        // A constant size model (A = 0): the style says 20 px, the refining pass measures the frame.
        new SizeModel(new float[256], new float[256], 30, Math.Log(20.0 / 30.0)).Save(Path.Combine(db.Folder, "m_size.json"));
        var (provider, harness, frame) = await SegmentedFrameAsync(weights);
        await using var _ = provider;
        Assert.Equal(DiameterSources.Given, (await db.Frames.GetStatsAsync(frame.FrameId))!.DiameterSource);

        var command = await RequestAsync(harness, frame, diameter: 0);
        Assert.True(await harness.Published.Any<FrameResegmented>(x => x.Context.Message.RequestId == command.RequestId));

        var row = (await Requests.GetAsync(command.RequestId))!;
        Assert.Equal((ResegmentationStates.Done, DiameterSources.Estimated), (row.State, row.DiameterSource));
        Assert.NotEqual(30.0, row.DiameterUsed!.Value, 3);
    }

    [SkippableFact]
    public async Task Resegment_BadRequests_EndFailedOnceWithAReasonNamingTheFix()
    {
        string weights = SharedData.Reference("cpnet_synth_e40.pth");
        var (provider, harness, frame) = await SegmentedFrameAsync(weights);
        await using var _ = provider;

        // No size model beside the reference weights: diameter 0 cannot be estimated.
        var noSize = await RequestAsync(harness, frame, diameter: 0);
        // The request was made for content the frame no longer has.
        var stale = await RequestAsync(harness, frame, diameter: 25, sha: new string('0', 64));
        foreach (var c in new[] { noSize, stale })
            Assert.True(await harness.Published.Any<FrameResegmentFailed>(x => x.Context.Message.RequestId == c.RequestId));

        string Reason(ResegmentFrame c) => harness.Published.Select<FrameResegmentFailed>().Single(x => x.Context.Message.RequestId == c.RequestId).Context.Message.Reason;
        Assert.Contains("has no size model beside", Reason(noSize));
        Assert.Contains("give the objects' diameter in pixels", Reason(noSize));
        Assert.Contains(frame.Path, Reason(stale));
        Assert.Contains("reopen the frame", Reason(stale));
        foreach (var c in new[] { noSize, stale })
        {
            var row = (await Requests.GetAsync(c.RequestId))!;
            Assert.Equal((ResegmentationStates.Failed, Reason(c)), (row.State, row.Reason));
            Assert.NotNull(row.CompletedAt);
        }
        Assert.False(await harness.Published.Any<FrameResegmented>());
        Assert.False(await harness.Published.Any<Fault<ResegmentFrame>>());
    }
}
