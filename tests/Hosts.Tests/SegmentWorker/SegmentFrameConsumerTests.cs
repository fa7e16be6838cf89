using AcqSeg.Contracts;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Models.Sizing;
using AcqSeg.Persistence;
using AcqSeg.SegmentWorker;
using AcqSeg.SegmentWorker.Consumers;
using AcqSeg.SegmentWorker.Extensions;
using AcqSeg.SegmentWorker.ModelChoice;
using AcqSeg.ServiceDefaults;
using AcqSeg.TestSupport;
using AcqSeg.Watcher;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

/// <summary>The segment consumer in MassTransit's in-memory harness (a fresh harness and database per test).</summary>
[Collection("torch")]
public sealed class SegmentFrameConsumerTests : IDisposable
{
    private readonly TestDatabase db = new();

    private ServiceProvider Provider(string modelPath, Dictionary<string, string?>? settings = null)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = db.Path,
            ["Models:Paths:m"] = modelPath,
            ["SegmentWorker:OutputRoot"] = Path.Combine(db.Folder, "out"),
            ["SegmentWorker:Device"] = "cpu",
            ["ModelChoice:DefaultModel"] = "m",
        }).AddInMemoryCollection(settings ?? []).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddModelRegistry();
        services.AddSingleton<IModelSuggester, DefaultModelSuggester>();
        services.AddValidatedOptions<SegmentWorkerOptions>(SegmentWorkerOptions.SectionName);
        services.AddValidatedOptions<QualityGateOptions>(QualityGateOptions.SectionName);
        services.AddSingleton<ModelCache>();
        services.AddSingleton<AcquisitionDiameters>();
        services.AddSingleton<QualityGate>();
        services.AddSingleton<ITrainingStyles, NoTrainingStyles>();
        services.AddMassTransitTestHarness(x => x.AddSegmentWorkerConsumers());
        return services.BuildServiceProvider(true);
    }

    private async Task<FrameAcquired> StoreFrame(string path, string model = "m", string acquisition = "acq")
    {
        string sha = await FileHash.Sha256Async(path);
        var id = FrameRegistrar.FrameIdOf(path, sha);
        await db.Frames.TryAddAcquiredAsync(new FrameRow
        {
            Id = id.ToString(), Acquisition = acquisition, Path = path, Sha256 = sha, SizeBytes = new FileInfo(path).Length, Model = model,
            AcquiredAt = Database.Timestamp(DateTimeOffset.UtcNow),
        });
        return new FrameAcquired(id, acquisition, path, sha, new FileInfo(path).Length, model, DateTimeOffset.UtcNow);
    }

    [SkippableFact]
    public async Task UnassignedFrames_TheFirstChoosesTheAcquisitionsModel_StoredAndAnnouncedOnce_TheNextFindsIt()
    {
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        string first = Path.Combine(db.Folder, "first.tif"), second = Path.Combine(db.Folder, "second.tif");
        File.Copy(SharedData.Reference("synth_256.tif"), first);
        File.Copy(SharedData.Reference("synth_256.tif"), second);
        File.AppendAllText(second, "x"); // other content, so another frame id
        await using var provider = Provider(model);
        var harness = provider.GetRequiredService<ITestHarness>();
        harness.TestTimeout = TimeSpan.FromMinutes(2);
        await harness.Start();

        // The watcher found no assignment for "acq": both frames arrive without a model (no zoo here, so the style
        // suggestion falls back to ModelChoice:DefaultModel).
        var one = await StoreFrame(first, model: "");
        await harness.Bus.Publish(one);
        Assert.True(await harness.Published.Any<FrameSegmented>(x => x.Context.Message.FrameId == one.FrameId));
        var two = await StoreFrame(second, model: "");
        await harness.Bus.Publish(two);
        Assert.True(await harness.Published.Any<FrameSegmented>(x => x.Context.Message.FrameId == two.FrameId));

        var assigned = Assert.Single(harness.Published.Select<ModelAssigned>()).Context.Message;
        Assert.Equal(("acq", "m", AssignmentSources.Suggestion), (assigned.Acquisition, assigned.Model, assigned.Source));
        var stored = await db.Models.GetAssignmentAsync("acq");
        Assert.Equal(("m", AssignmentSources.Suggestion), (stored!.Model, stored.Source));
        foreach (var frame in new[] { one, two })
        {
            Assert.Equal("m", (await db.Frames.GetAsync(frame.FrameId))!.Model);
            Assert.Equal("m", harness.Published.Select<FrameSegmented>().Single(x => x.Context.Message.FrameId == frame.FrameId).Context.Message.Model);
        }
    }

    /// <summary>Segments frames one after another with SegmentWorker:Diameter 0, of acquisition "acq" unless
    /// <paramref name="acquisitionOf"/> names each frame's; their stats rows.</summary>
    private async Task<List<FrameStatsRow>> SegmentAtDiameterZero(string weights, int frames, Func<int, string>? acquisitionOf = null)
    {
        await using var provider = Provider(weights, new() { ["SegmentWorker:Diameter"] = "0" });
        var harness = provider.GetRequiredService<ITestHarness>();
        harness.TestTimeout = TimeSpan.FromMinutes(3);
        await harness.Start();
        var rows = new List<FrameStatsRow>();
        for (int i = 0; i < frames; i++)
        {
            string path = Path.Combine(db.Folder, $"frame{i}.tif");
            File.Copy(SharedData.Reference("synth_256.tif"), path);
            File.AppendAllText(path, new string('x', i)); // the same pixels under another frame id
            var message = await StoreFrame(path, acquisition: acquisitionOf?.Invoke(i) ?? "acq");
            await harness.Bus.Publish(message);
            Assert.True(await harness.Published.Any<FrameSegmented>(x => x.Context.Message.FrameId == message.FrameId));
            rows.Add((await db.Frames.GetStatsAsync(message.FrameId))!);
        }
        return rows;
    }

    [SkippableFact]
    public async Task DiameterZero_WithASizeModelBesideTheWeights_EstimatesTheAcquisitionsFirstFrame_AndTheNextReuseIt()
    {
        string weights = Path.Combine(db.Folder, "m.pth");
        File.Copy(SharedData.Reference("cpnet_synth_e40.pth"), weights);
        // A constant size model (A = 0): the style says 20 px, the refining passes measure the frame.
        new SizeModel(new float[256], new float[256], 30, Math.Log(20.0 / 30.0)).Save(Path.Combine(db.Folder, "m_size.json"));

        var rows = await SegmentAtDiameterZero(weights, frames: 3);

        Assert.Equal([DiameterSources.Estimated, DiameterSources.Reused, DiameterSources.Reused], rows.Select(r => r.DiameterSource));
        Assert.True(rows[0].SizeEstimateSeconds > 0);
        Assert.All(rows.Skip(1), r => Assert.Equal(0, r.SizeEstimateSeconds));
        Assert.All(rows, r => Assert.Equal(rows[0].Diameter, r.Diameter));
        Assert.NotEqual(30.0, rows[0].Diameter!.Value, 3); // not the model's diam_labels: the estimate ran
    }

    [SkippableFact]
    public async Task DiameterZero_EachAcquisition_IsEstimatedOnItsOwn()
    {
        string weights = Path.Combine(db.Folder, "m.pth");
        File.Copy(SharedData.Reference("cpnet_synth_e40.pth"), weights);
        new SizeModel(new float[256], new float[256], 30, Math.Log(20.0 / 30.0)).Save(Path.Combine(db.Folder, "m_size.json"));

        // a, b, a, b: the same pixels, but each acquisition's first frame has no estimate of its own yet.
        var rows = await SegmentAtDiameterZero(weights, frames: 4, i => i % 2 == 0 ? "acq-a" : "acq-b");

        Assert.Equal([DiameterSources.Estimated, DiameterSources.Estimated, DiameterSources.Reused, DiameterSources.Reused],
            rows.Select(r => r.DiameterSource));
    }

    [SkippableFact]
    public async Task DiameterZero_VersionWithoutSizeModel_RunsAtItsDiamLabels()
    {
        string weights = Path.Combine(db.Folder, "m.pth");
        File.Copy(SharedData.Reference("cpnet_synth_e40.pth"), weights);
        using var model = Engine.Inference.CellposeModel.Load(weights, Engine.Inference.DeviceChoice.Cpu);

        var rows = await SegmentAtDiameterZero(weights, frames: 2);

        Assert.All(rows, r => Assert.Equal((model.DiamLabels, DiameterSources.DiamLabels), (r.Diameter!.Value, r.DiameterSource)));
    }

    [Fact]
    public async Task CorruptTiff_Redelivered_FailsOnceWithReasonAndNoFault()
    {
        string bad = Path.Combine(db.Folder, "bad.tif");
        await File.WriteAllBytesAsync(bad, [0x49, 0x49, 0x2A, 0, 1, 2, 3]);
        await using var provider = Provider("/nonexistent/model.pth");
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var message = await StoreFrame(bad);

        await harness.Bus.Publish(message);
        await harness.Bus.Publish(message);

        var consumer = harness.GetConsumerHarness<SegmentFrameConsumer>();
        Assert.True(await consumer.Consumed.Any<FrameAcquired>(x => x.Context.Message.FrameId == message.FrameId));
        int consumed = 0;
        await foreach (var _ in consumer.Consumed.SelectAsync<FrameAcquired>())
        {
            if (++consumed == 2) break;
        }
        Assert.Equal(2, consumed);
        Assert.True(await harness.Published.Any<FrameFailed>());
        Assert.Single(harness.Published.Select<FrameFailed>());
        Assert.False(await harness.Published.Any<Fault<FrameAcquired>>());
        var row = await db.Frames.GetAsync(message.FrameId);
        Assert.Equal(FrameStates.Failed, row!.State);
        Assert.Contains("bad.tif", harness.Published.Select<FrameFailed>().Single().Context.Message.Path);
        Assert.False(string.IsNullOrWhiteSpace(row.Reason));
    }

    /// <summary>Publishes the frame at <paramref name="path"/> and returns its stored row and the FrameFailed reason.</summary>
    private async Task<(FrameRow Row, string Reason)> FailedFrame(string path)
    {
        await using var provider = Provider("/nonexistent/model.pth"); // refused before any model is needed
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var message = await StoreFrame(path);
        await harness.Bus.Publish(message);
        Assert.True(await harness.Published.Any<FrameFailed>(x => x.Context.Message.FrameId == message.FrameId));
        Assert.False(await harness.Published.Any<FrameSegmented>());
        var row = await db.Frames.GetAsync(message.FrameId);
        Assert.Equal(FrameStates.Failed, row!.State);
        return (row, harness.Published.Select<FrameFailed>().Single().Context.Message.Reason);
    }

    private static ImageData Blank => new(new float[16 * 12], 1, 12, 16);

    [Fact]
    public async Task MultiPageFrameWithoutAxes_FailsWithAReasonNamingHowToStateThem()
    {
        string path = Path.Combine(db.Folder, "plain.tif");
        PlainTiff.Write(path, [Blank, Blank, Blank, Blank, Blank]);
        var (row, reason) = await FailedFrame(path);
        Assert.Contains("5 pages", reason);
        Assert.Contains("ImageJ", reason);
        Assert.Contains("--axes", reason);
        Assert.Equal(reason, row.Reason);
    }

    [Fact]
    public async Task DeclaredZStackFrame_FailsWithAReasonNamingAcqsegSegment_NotFlattened()
    {
        string path = Path.Combine(db.Folder, "z.tif");
        PlainTiff.Write(path, [Blank, Blank, Blank], "ImageJ=1.54f\nimages=3\nslices=3\n");
        var (_, reason) = await FailedFrame(path);
        Assert.Contains("Z stack of 3 planes", reason);
        Assert.Contains("acqseg segment", reason);
    }

    [SkippableFact]
    public async Task GoodFrame_IsSegmented_WithOutputsStatsAndOneEvent()
    {
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        string image = Path.Combine(db.Folder, "synth_256.tif");
        File.Copy(SharedData.Reference("synth_256.tif"), image);
        await using var provider = Provider(model);
        var harness = provider.GetRequiredService<ITestHarness>();
        harness.TestTimeout = TimeSpan.FromMinutes(2);
        await harness.Start();
        var message = await StoreFrame(image);

        await harness.Bus.Publish(message);

        Assert.True(await harness.Published.Any<FrameSegmented>());
        Assert.False(await harness.Published.Any<Fault<FrameAcquired>>());
        var segmented = harness.Published.Select<FrameSegmented>().Single().Context.Message;
        Assert.Equal(message.FrameId, segmented.FrameId);
        Assert.Equal(1, segmented.ModelVersion);
        Assert.True(segmented.ObjectCount > 0);
        Assert.True(File.Exists(segmented.MasksPath));
        Assert.Equal(Path.Combine(db.Folder, "out", "acq", "synth_256_cp_masks.tif"), segmented.MasksPath);
        Assert.True(File.Exists(segmented.ObjectsPath));
        // Flows and outlines are options, off by default.
        Assert.Null(segmented.FlowsPath);
        Assert.Null(segmented.OutlinesPath);
        var stats = await db.Frames.GetStatsAsync(message.FrameId);
        Assert.Equal(segmented.ObjectCount, stats!.ObjectCount);
        Assert.InRange(stats.MeanCellprob, 0.5, 1.0);
        Assert.Equal((256, 256), (stats.Height, stats.Width));

        // The summary a controller reads from the event stream: the object table's mean area, the gate's verdict, times.
        var areas = File.ReadAllLines(segmented.ObjectsPath!).Skip(1)
            .Select(line => double.Parse(line.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(segmented.ObjectCount, areas.Count);
        Assert.Equal(areas.Average(), segmented.MeanObjectArea!.Value, 9);
        Assert.Equal(segmented.Flagged, segmented.Reasons!.Count > 0);
        Assert.Equal((await db.Frames.GetReasonsAsync(message.FrameId)).Select(r => r.Reason), segmented.Reasons);
        Assert.Equal(message.AcquiredAt, segmented.AcquiredAt);
        Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(image), TimeSpan.Zero), segmented.FileWrittenAt);
    }

    public void Dispose() => db.Dispose();
}
