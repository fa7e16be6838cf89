using AcqSeg.Persistence;
using Xunit;

namespace AcqSeg.StoreBehaviour;

/// <summary>
/// What the frame, model and correction stores promise, written once: each dialect's test class derives from this
/// and supplies a fresh migrated database per test.
/// </summary>
public abstract class StoreBehaviourTests
{
    /// <summary>A new, migrated, empty database (may skip when its server is not available).</summary>
    protected abstract Task<StoreSet> OpenAsync();

    private static SegmentationRecord Completed(FrameRow frame, bool flagged, params ReviewReason[] reasons) => new(
        frame.FrameId, flagged, 1, "/out/m.tif", null, null, null,
        new FrameStatsRow { Height = 8, Width = 8, ObjectCount = 3, MeanCellprob = 0.9, Style = "0.1,0.2" }, reasons);

    [SkippableFact]
    public async Task Migrate_SecondRun_AppliesNothing()
    {
        await using var db = await OpenAsync();
        Assert.Empty(await db.Migrator.MigrateAsync());
        Assert.Equal(SchemaMigrator.Scripts(SqlDialect.Sqlite).Select(s => s.Version), SchemaMigrator.Scripts(SqlDialect.Postgres).Select(s => s.Version));
    }

    [SkippableFact]
    public async Task AddAcquired_SamePathAndContentTwice_StoresOneRow()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame();
        Assert.True(await db.Frames.TryAddAcquiredAsync(frame));
        var again = StoreSet.NewFrame();
        again.Id = Guid.NewGuid().ToString();
        Assert.False(await db.Frames.TryAddAcquiredAsync(again));
        Assert.Single(await db.Frames.ListAsync());
    }

    [SkippableFact]
    public async Task Complete_Redelivered_ChangesNothingTheSecondTime()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame();
        await db.Frames.TryAddAcquiredAsync(frame);
        var record = Completed(frame, true, new ReviewReason("low_cellprob", "0.2 < 0.5"));
        Assert.True(await db.Frames.TryCompleteAsync(record));
        Assert.False(await db.Frames.TryCompleteAsync(record));
        Assert.False(await db.Frames.TryFailAsync(frame.FrameId, "late failure"));
        var stored = await db.Frames.GetAsync(frame.FrameId);
        Assert.Equal(FrameStates.Flagged, stored!.State);
        Assert.Single(await db.Frames.GetReasonsAsync(frame.FrameId));
        Assert.Equal(3, (await db.Frames.GetStatsAsync(frame.FrameId))!.ObjectCount);
    }

    [SkippableFact]
    public async Task Fail_AcquiredFrame_StoresReasonOnce()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame();
        await db.Frames.TryAddAcquiredAsync(frame);
        Assert.True(await db.Frames.TryFailAsync(frame.FrameId, "not a TIFF"));
        Assert.False(await db.Frames.TryFailAsync(frame.FrameId, "again"));
        var stored = await db.Frames.GetAsync(frame.FrameId);
        Assert.Equal((FrameStates.Failed, "not a TIFF"), (stored!.State, stored.Reason));
        Assert.NotNull(stored.CompletedAt);
        Assert.Equal(1, (await db.Frames.CountByStateAsync())[FrameStates.Failed]);
    }

    [SkippableFact]
    public async Task ListFlagged_FiltersByReasonAcquisitionAndModel()
    {
        await using var db = await OpenAsync();
        var a = StoreSet.NewFrame("acq1", "/a.tif");
        var b = StoreSet.NewFrame("acq2", "/b.tif");
        var c = StoreSet.NewFrame("acq2", "/c.tif");
        foreach (var f in new[] { a, b, c }) await db.Frames.TryAddAcquiredAsync(f);
        await db.Frames.TryCompleteAsync(Completed(a, true, new ReviewReason("low_cellprob", "")));
        await db.Frames.TryCompleteAsync(Completed(b, true, new ReviewReason("count_outlier", "")));
        await db.Frames.TryCompleteAsync(Completed(c, false));

        Assert.Equal(2, (await db.Frames.ListFlaggedAsync(new FlaggedFilter())).Count);
        Assert.Equal(b.Id, Assert.Single(await db.Frames.ListFlaggedAsync(new FlaggedFilter(Reason: "count_outlier"))).Id);
        Assert.Equal(a.Id, Assert.Single(await db.Frames.ListFlaggedAsync(new FlaggedFilter(Acquisition: "acq1"))).Id);
        Assert.Empty(await db.Frames.ListFlaggedAsync(new FlaggedFilter(Model: "other")));
        Assert.Equal(c.Id, Assert.Single(await db.Frames.ListAsync(FrameStates.Segmented)).Id);
    }

    [SkippableFact]
    public async Task RecentObjectCounts_LeaveOutTheFrameItselfAndOtherAcquisitions()
    {
        await using var db = await OpenAsync();
        var a = StoreSet.NewFrame("acq1", "/a.tif");
        var b = StoreSet.NewFrame("acq1", "/b.tif");
        var other = StoreSet.NewFrame("acq2", "/c.tif");
        foreach (var f in new[] { a, b, other }) await db.Frames.TryAddAcquiredAsync(f);
        foreach (var f in new[] { a, b, other }) await db.Frames.TryCompleteAsync(Completed(f, false));

        Assert.Equal([3], await db.Frames.RecentObjectCountsAsync("acq1", a.FrameId, 10));
    }

    [SkippableFact]
    public async Task Review_OnlyFlaggedFrames_MoveToTheirOutcome()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame();
        await db.Frames.TryAddAcquiredAsync(frame);
        Assert.False(await db.Frames.TryReviewAsync(frame.FrameId, FrameStates.Accepted));
        await db.Frames.TryCompleteAsync(Completed(frame, true, new ReviewReason("low_cellprob", "")));
        Assert.True(await db.Frames.TryReviewAsync(frame.FrameId, FrameStates.Accepted));
        Assert.False(await db.Frames.TryReviewAsync(frame.FrameId, FrameStates.Skipped));
    }

    [SkippableFact]
    public async Task Assign_OperatorReplacesSuggestion_ButSuggestionKeepsOperatorChoice()
    {
        await using var db = await OpenAsync();
        Assert.True(await db.Models.TryAssignAsync("acq", "cyto", "suggestion"));
        await db.Models.AssignAsync("acq", "nuclei", "operator");
        Assert.False(await db.Models.TryAssignAsync("acq", "cyto", "suggestion"));
        Assert.Equal("nuclei", (await db.Models.GetAssignmentAsync("acq"))!.Model);
    }

    [SkippableFact]
    public async Task ModelVersions_SameVersionTwice_KeepsTheFirstAndLatestIsTheHighest()
    {
        await using var db = await OpenAsync();
        var v1 = new ModelVersionRow { Model = "m", Version = 1, Path = "/m/v1.pth", Sha256 = "a", CreatedAt = "t1" };
        var v2 = new ModelVersionRow { Model = "m", Version = 2, Path = "/m/v2.pth", Sha256 = "b", ParentVersion = 1, ApBefore = 0.5, ApAfter = 0.6, CreatedAt = "t2" };
        Assert.True(await db.Models.TryAddVersionAsync(v1));
        Assert.True(await db.Models.TryAddVersionAsync(v2));
        Assert.False(await db.Models.TryAddVersionAsync(new ModelVersionRow { Model = "m", Version = 2, Path = "/other.pth", Sha256 = "c", CreatedAt = "t3" }));

        var latest = await db.Models.LatestAsync("m");
        Assert.Equal((2, "/m/v2.pth", 1, 0.6), (latest!.Version, latest.Path, latest.ParentVersion!.Value, latest.ApAfter!.Value));
        Assert.Equal([1, 2], (await db.Models.LineageAsync("m")).Select(v => v.Version));
        Assert.Null(await db.Models.GetAsync("m", 3));
    }

    [SkippableFact]
    public async Task TrainingRun_OnePerLineage_ClaimsPendingCorrections()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame();
        await db.Frames.TryAddAcquiredAsync(frame);
        await db.Corrections.TryAddAsync(new CorrectionRow { Id = Guid.NewGuid().ToString(), FrameId = frame.Id, Model = "m", ModelVersion = 1, MasksPath = "/c.tif", Sha256 = "x", SubmittedAt = "t" });
        Assert.Equal(1, await db.Corrections.PendingCountAsync("m"));
        var run = new TrainingRunRow { Id = "r1", Model = "m", BaseVersion = 1, CheckpointDir = "/ck", StartedAt = "t" };
        Assert.NotNull(await db.Corrections.TryStartRunAsync(run));
        Assert.Equal(1, run.Corrections);
        Assert.Null(await db.Corrections.TryStartRunAsync(new TrainingRunRow { Id = "r2", Model = "m", BaseVersion = 1, CheckpointDir = "/ck", StartedAt = "t" }));
        Assert.Equal(0, await db.Corrections.PendingCountAsync("m"));
    }

    [SkippableFact]
    public async Task Corrections_SameMasksTwice_StoredOnce_AndFinishedRunRecordsItsOutcome()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame(path: "/data/acq/img.tif");
        await db.Frames.TryAddAcquiredAsync(frame);
        var correction = new CorrectionRow { Id = Guid.NewGuid().ToString(), FrameId = frame.Id, Model = "m", ModelVersion = 1, MasksPath = "/c.tif", Sha256 = "x", SubmittedAt = "t1" };
        Assert.True(await db.Corrections.TryAddAsync(correction));
        correction.Id = Guid.NewGuid().ToString();
        Assert.False(await db.Corrections.TryAddAsync(correction));
        Assert.Equal("/data/acq/img.tif", Assert.Single(await db.Corrections.ForModelAsync("m")).ImagePath);

        var run = (await db.Corrections.TryStartRunAsync(new TrainingRunRow { Id = "r1", Model = "m", BaseVersion = 1, CheckpointDir = "/ck", StartedAt = "t" }))!;
        Assert.Equal("r1", Assert.Single(await db.Corrections.RunningAsync()).Id);
        await db.Corrections.FinishRunAsync(run.Id, TrainingStates.Published, 0.5, 0.7, 2, "not worse");

        Assert.Empty(await db.Corrections.RunningAsync());
        var finished = Assert.Single(await db.Corrections.RunsAsync("m"));
        Assert.Equal((TrainingStates.Published, 2, 0.7), (finished.State, finished.NewVersion!.Value, finished.ApAfter!.Value));
        Assert.NotNull(finished.FinishedAt);
    }
}
