using System.Globalization;
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
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

/// <summary>The segment consumer in MassTransit's in-memory harness (a fresh harness and database per test).</summary>
[Collection("torch")]
public sealed partial class SegmentFramesConsumerTests : IDisposable
{
    private readonly TestDatabase db = new();

    private ServiceProvider Provider(string modelPath, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? replace = null)
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
        replace?.Invoke(services);
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        // No zoo here: the default model instead of the style suggestion, no training styles.
        services.AddSingleton<IModelSuggester, DefaultModelSuggester>();
        services.TryAddSingleton<ITrainingStyles, NoTrainingStyles>();
        services.AddSegmentWorkerServices();
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

        Assert.True(await harness.Consumed.Any<FrameAcquired>(x => x.Context.Message.FrameId == message.FrameId));
        int consumed = 0;
        await foreach (var _ in harness.Consumed.SelectAsync<FrameAcquired>())
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

    /// <summary>A copy of a reference frame under its own name and frame id (the same pixels, another file content).</summary>
    private async Task<FrameAcquired> StoreCopy(string reference, string name, string model)
    {
        string path = Path.Combine(db.Folder, name);
        File.Copy(SharedData.Reference(reference), path);
        File.AppendAllText(path, name);
        return await StoreFrame(path, model);
    }

    private static async Task<ITestHarness> StartAsync(ServiceProvider provider, int minutes)
    {
        var harness = provider.GetRequiredService<ITestHarness>();
        harness.TestTimeout = TimeSpan.FromMinutes(minutes);
        await harness.Start();
        return harness;
    }

    private static string UniqueModel(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..16];

    private static Dictionary<string, string?> Batching(int size, int waitMilliseconds, params string[] models)
    {
        var settings = new Dictionary<string, string?>
        {
            ["SegmentWorker:BatchSize"] = size.ToString(CultureInfo.InvariantCulture),
            ["SegmentWorker:BatchWaitMilliseconds"] = waitMilliseconds.ToString(CultureInfo.InvariantCulture),
        };
        foreach (string model in models) settings[$"Models:Paths:{model}"] = SharedData.Reference("cpnet_synth_e40.pth");
        return settings;
    }

    /// <summary>The batches the consumer was handed, each as its frames' ids, in the order it got them.</summary>
    private static List<Batch<FrameAcquired>> Batches(ITestHarness harness) =>
        harness.GetConsumerHarness<SegmentFramesConsumer>().Consumed.Select<Batch<FrameAcquired>>().Select(b => b.Context.Message).ToList();

    private static async Task<List<FrameSegmented>> AllSegmented(ITestHarness harness, IEnumerable<FrameAcquired> frames)
    {
        foreach (var frame in frames)
            Assert.True(await harness.Published.Any<FrameSegmented>(x => x.Context.Message.FrameId == frame.FrameId), $"frame {frame.Path} was not segmented");
        return harness.Published.Select<FrameSegmented>().Select(x => x.Context.Message).ToList();
    }

    [SkippableFact]
    public async Task Batch_OfTwoModelsAndTwoSizes_SharesOneNetworkPassPerModelAndSize_AndSegmentsEveryFrame()
    {
        string m = UniqueModel("batch-m"), n = UniqueModel("batch-n");
        await using var provider = Provider(SharedData.Reference("cpnet_synth_e40.pth"), Batching(6, 60_000, m, n));
        var harness = await StartAsync(provider, minutes: 4);
        var frames = new List<FrameAcquired>
        {
            await StoreCopy("synth_256.tif", "m1.tif", m), await StoreCopy("synth_256.tif", "n1.tif", n), await StoreCopy("synth_512.tif", "m2.tif", m),
            await StoreCopy("synth_256.tif", "m3.tif", m), await StoreCopy("synth_256.tif", "n2.tif", n), await StoreCopy("synth_512.tif", "m4.tif", m),
        };

        foreach (var frame in frames) await harness.Bus.Publish(frame);

        var segmented = await AllSegmented(harness, frames);
        Assert.False(await harness.Published.Any<Fault<FrameAcquired>>());
        var batch = Assert.Single(Batches(harness));
        Assert.Equal((6, BatchCompletionMode.Size), (batch.Length, batch.Mode));
        // Groups (m, 256), (m, 512) and (n, 256), two frames each: one network pass apiece.
        var passesM = AcqSegMetrics.SegmentBatchFrames.WithLabels(m);
        var passesN = AcqSegMetrics.SegmentBatchFrames.WithLabels(n);
        Assert.Equal((2L, 4.0), (passesM.Count, passesM.Sum));
        Assert.Equal((1L, 2.0), (passesN.Count, passesN.Sum));
        using var model = Engine.Inference.CellposeModel.Load(SharedData.Reference("cpnet_synth_e40.pth"), Engine.Inference.DeviceChoice.Cpu);
        var settings = new SegmentWorkerOptions().ToSettings();
        var alone = new Dictionary<string, int>();
        foreach (var frame in frames)
        {
            var one = Assert.Single(segmented, s => s.FrameId == frame.FrameId);
            Assert.Equal((frame.Model, 1), (one.Model, one.ModelVersion));
            var row = await db.Frames.GetAsync(frame.FrameId);
            Assert.Contains(row!.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
            Assert.True(File.Exists(one.MasksPath), one.MasksPath);
            // Each frame's objects are those it gets segmented on its own.
            var image = TiffReader.Read(frame.Path);
            string size = $"{image.Height}x{image.Width}";
            if (!alone.TryGetValue(size, out int objects))
                alone[size] = objects = new FrameSegmenter(model).Segment(image, settings).Masks.CountObjects();
            Assert.Equal(objects, one.ObjectCount);
        }
    }

    [SkippableFact]
    public async Task LoneFrame_InABatchOfFour_IsSegmentedWhenTheWaitEnds_NotHeldForMoreFrames()
    {
        string m = UniqueModel("batch-wait");
        await using var provider = Provider(SharedData.Reference("cpnet_synth_e40.pth"), Batching(4, 1500, m));
        var harness = await StartAsync(provider, minutes: 2);
        var frame = await StoreCopy("synth_256.tif", "lone.tif", m);

        await harness.Bus.Publish(frame);

        await AllSegmented(harness, [frame]);
        var batch = Assert.Single(Batches(harness));
        // Delivered by the time limit with the one frame there was, not when a fourth arrived.
        Assert.Equal((1, BatchCompletionMode.Time), (batch.Length, batch.Mode));
        Assert.Equal(frame.FrameId, batch[0].Message.FrameId);
        Assert.Equal(FrameStates.Segmented, (await db.Frames.GetAsync(frame.FrameId))!.State);
    }

    [SkippableFact]
    public async Task BadFramesInABatch_FailAlone_WithTheirReasons_AndTheirBatchMatesAreSegmented()
    {
        string m = UniqueModel("batch-bad");
        await using var provider = Provider(SharedData.Reference("cpnet_synth_e40.pth"), Batching(4, 60_000, m));
        var harness = await StartAsync(provider, minutes: 3);
        string corruptPath = Path.Combine(db.Folder, "corrupt.tif");
        await File.WriteAllBytesAsync(corruptPath, [0x49, 0x49, 0x2A, 0, 1, 2, 3]);
        var good1 = await StoreCopy("synth_256.tif", "good1.tif", m);
        var corrupt = await StoreFrame(corruptPath, m);
        var unknownModel = await StoreCopy("synth_256.tif", "unknown.tif", "no-such-model");
        var good2 = await StoreCopy("synth_256.tif", "good2.tif", m);

        foreach (var frame in new[] { good1, corrupt, unknownModel, good2 }) await harness.Bus.Publish(frame);

        await AllSegmented(harness, [good1, good2]);
        foreach (var bad in new[] { corrupt, unknownModel })
            Assert.True(await harness.Published.Any<FrameFailed>(x => x.Context.Message.FrameId == bad.FrameId), $"{bad.Path} did not fail");
        Assert.Equal(4, Assert.Single(Batches(harness)).Length);
        Assert.False(await harness.Published.Any<Fault<FrameAcquired>>());
        Assert.Equal(2, harness.Published.Select<FrameSegmented>().Count());
        Assert.Equal(2, harness.Published.Select<FrameFailed>().Count());
        var failedCorrupt = (await db.Frames.GetAsync(corrupt.FrameId))!;
        Assert.Equal(FrameStates.Failed, failedCorrupt.State);
        Assert.False(string.IsNullOrWhiteSpace(failedCorrupt.Reason));
        var failedModel = (await db.Frames.GetAsync(unknownModel.FrameId))!;
        Assert.Equal(FrameStates.Failed, failedModel.State);
        Assert.Contains("no-such-model", failedModel.Reason);
        foreach (var good in new[] { good1, good2 })
            Assert.Contains((await db.Frames.GetAsync(good.FrameId))!.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
    }

    /// <summary>Training styles that time out once for one model (a database blip), then are unknown.</summary>
    private sealed class StylesFailingOnceFor(string model) : ITrainingStyles
    {
        private int calls;

        public Task<IReadOnlyList<float[]>?> ForModelAsync(string name, int version, CancellationToken cancel) =>
            name == model && Interlocked.Increment(ref calls) == 1
                ? Task.FromException<IReadOnlyList<float[]>?>(new TimeoutException($"styles of {model}: the database did not answer"))
                : Task.FromResult<IReadOnlyList<float[]>?>(null);
    }

    /// <summary>
    /// Publishes three 256 x 256 frames as one batch: a and c of one model, b between them of a model whose training styles
    /// time out once, so that b faults after its network pass. Returns the started harness (disposed with the provider).
    /// </summary>
    private async Task<(ServiceProvider Provider, ITestHarness Harness, FrameAcquired[] Frames, string Ok, string Flaky)> BatchWithAFlakyFrame(
        Dictionary<string, string?> retry)
    {
        string ok = UniqueModel("batch-ok"), flaky = UniqueModel("batch-flaky");
        var settings = Batching(3, 60_000, ok, flaky);
        foreach (var (key, value) in retry) settings[key] = value;
        var provider = Provider(SharedData.Reference("cpnet_synth_e40.pth"), settings,
            services => services.AddSingleton<ITrainingStyles>(new StylesFailingOnceFor(flaky)));
        var harness = await StartAsync(provider, minutes: 3);
        var frames = new[]
        {
            await StoreCopy("synth_256.tif", "a.tif", ok), await StoreCopy("synth_256.tif", "b.tif", flaky), await StoreCopy("synth_256.tif", "c.tif", ok),
        };
        foreach (var frame in frames) await harness.Bus.Publish(frame);
        return (provider, harness, frames, ok, flaky);
    }

    [SkippableFact]
    public async Task TransientFaultOfOneFrame_RunsOnlyThatFrameAgain_AndEachFrameIsRecordedOnce()
    {
        var (provider, harness, frames, ok, flaky) = await BatchWithAFlakyFrame(new()
        {
            ["SegmentWorker:RetryMinMilliseconds"] = "50",
            ["SegmentWorker:RetryMaxMilliseconds"] = "100",
        });
        await using var _ = provider;

        var segmented = await AllSegmented(harness, frames);
        Assert.Equal(frames.Select(f => f.FrameId).Order(), segmented.Select(s => s.FrameId).Order());
        Assert.False(await harness.Published.Any<Fault<FrameAcquired>>());
        // MassTransit retried the batch: the recorded frames were skipped as done, only the faulted one ran again (its
        // network pass twice, the others' shared pass once).
        Assert.Equal(3, Assert.Single(Batches(harness)).Length);
        var passesOk = AcqSegMetrics.SegmentBatchFrames.WithLabels(ok);
        var passesFlaky = AcqSegMetrics.SegmentBatchFrames.WithLabels(flaky);
        Assert.Equal((1L, 2.0), (passesOk.Count, passesOk.Sum));
        Assert.Equal((2L, 2.0), (passesFlaky.Count, passesFlaky.Sum));
        foreach (var frame in frames) Assert.Contains((await db.Frames.GetAsync(frame.FrameId))!.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
    }

    [SkippableFact]
    public async Task TransientFaultOnTheLastAttempt_FailsOnlyThatFrame_WithItsReason()
    {
        // RetryLimit 0: the first attempt is the last.
        var (provider, harness, frames, _, _) = await BatchWithAFlakyFrame(new() { ["SegmentWorker:RetryLimit"] = "0" });
        await using var _ = provider;

        await AllSegmented(harness, [frames[0], frames[2]]);
        Assert.True(await harness.Published.Any<FrameFailed>(x => x.Context.Message.FrameId == frames[1].FrameId));
        Assert.False(await harness.Published.Any<Fault<FrameAcquired>>());
        var failed = (await db.Frames.GetAsync(frames[1].FrameId))!;
        Assert.Equal(FrameStates.Failed, failed.State);
        Assert.Contains("the database did not answer", failed.Reason);
        Assert.Equal(2, harness.Published.Select<FrameSegmented>().Count());
    }

    [SkippableFact]
    public async Task BatchSizeOne_EachFrameIsABatchOfItsOwn_DeliveredAtOnce_WithTheMasksOfTheOneFramePath()
    {
        string m = UniqueModel("batch-one");
        await using var provider = Provider(SharedData.Reference("cpnet_synth_e40.pth"), Batching(1, 60_000, m));
        var harness = await StartAsync(provider, minutes: 2);
        var frames = new[] { await StoreCopy("synth_256.tif", "one.tif", m), await StoreCopy("synth_512.tif", "two.tif", m) };

        foreach (var frame in frames) await harness.Bus.Publish(frame);

        var segmented = await AllSegmented(harness, frames);
        var batches = Batches(harness);
        Assert.All(batches, b => Assert.Equal((1, BatchCompletionMode.Size), (b.Length, b.Mode)));
        Assert.Equal(2, batches.Count);
        var passes = AcqSegMetrics.SegmentBatchFrames.WithLabels(m);
        Assert.Equal((2L, 2.0), (passes.Count, passes.Sum));
        using var model = Engine.Inference.CellposeModel.Load(SharedData.Reference("cpnet_synth_e40.pth"), Engine.Inference.DeviceChoice.Cpu);
        var settings = new SegmentWorkerOptions().ToSettings();
        foreach (var frame in frames)
        {
            // The masks written are, label for label, those of the one-frame path (FrameSegmenter.Segment, as `acqseg segment`).
            var expected = new FrameSegmenter(model).Segment(TiffReader.Read(frame.Path), settings).Masks;
            var written = LabelFiles.Read(segmented.Single(s => s.FrameId == frame.FrameId).MasksPath);
            Assert.Equal(expected.Labels, written.Labels);
        }
    }

    public void Dispose() => db.Dispose();
}
