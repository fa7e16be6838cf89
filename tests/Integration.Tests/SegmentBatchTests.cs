using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using AcqSeg.TestSupport;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// A segment worker taking frames in batches (SegmentWorker:BatchSize) from RabbitMQ and PostgreSQL: the broker's
/// prefetch must let a batch fill, and every frame still ends once.
/// </summary>
public sealed class SegmentBatchTests
{
    [SkippableFact]
    public async Task FourFramesArrivingTogether_AreOneBatchOverRabbitMq_SharingOneNetworkPass_AndEachEndsOnce()
    {
        await using var vhost = await Broker.CreateVirtualHostAsync();
        // Its own lineage name: the pass histogram is process-wide.
        string lineage = $"batch-{Guid.NewGuid():N}"[..14];
        using var tmp = new TempFolder("acqseg-it-batch");
        string watch = tmp.Sub("watch");
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = ServiceUnderTest.RealServerSettings(watch, tmp.Sub("out"), lineage, SharedData.Reference("cpnet_synth_e40.pth"), vhost.Bus,
            database.ConnectionString);
        await using var service = await ServiceUnderTest.StartAsync(settings, new Dictionary<string, string?>
        {
            ["SegmentWorker:BatchSize"] = "4",
            ["SegmentWorker:BatchWaitMilliseconds"] = "10000",
        });

        for (int i = 0; i < 4; i++)
            Frames.WriteViaRename(Path.Combine(watch, $"f{i}.tif"), Frames.TiffBytes(Frames.Nuclei(80 + i).Image, 16));

        await Eventually.HoldsAsync("the four frames segmented", TimeSpan.FromMinutes(3), async () =>
        {
            var all = await service.Frames.ListAsync();
            return (all.Count == 4 && all.All(r => r.State is FrameStates.Segmented or FrameStates.Flagged),
                string.Join(", ", all.Select(r => $"{Path.GetFileName(r.Path)} {r.State}")));
        });
        var rows = await service.Frames.ListAsync();
        Assert.Equal(4, rows.Select(r => r.Path).Distinct().Count());
        Assert.All(rows, r => Assert.True(File.Exists(r.MasksPath), r.MasksPath));
        // One batch of the four (96 x 96 frames of one model at one diameter): one shared network pass.
        var passes = AcqSegMetrics.SegmentBatchFrames.WithLabels(lineage);
        Assert.Equal((1L, 4.0), (passes.Count, passes.Sum));
    }
}
