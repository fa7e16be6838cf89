using AcqSeg.Persistence;

namespace AcqSeg.Service.Tests;

public class PersistenceTests
{
    private static SegmentationRecord Completed(FrameRow frame, bool flagged, params ReviewReason[] reasons) => new(
        frame.FrameId, flagged, 1, "/out/m.tif", null, null, null,
        new FrameStatsRow { Height = 8, Width = 8, ObjectCount = 3, MeanCellprob = 0.9, Style = "0.1,0.2" }, reasons);

    [Fact]
    public async Task Migrate_SecondRun_AppliesNothing()
    {
        using var db = new TestDatabase();
        Assert.Empty(await db.Migrator.MigrateAsync());
        Assert.NotEmpty(SchemaMigrator.Scripts(SqlDialect.Postgres));
        Assert.Equal(SchemaMigrator.Scripts(SqlDialect.Sqlite).Select(s => s.Version), SchemaMigrator.Scripts(SqlDialect.Postgres).Select(s => s.Version));
    }

    [Fact]
    public async Task AddAcquired_SamePathAndContentTwice_StoresOneRow()
    {
        using var db = new TestDatabase();
        var frame = TestDatabase.NewFrame();
        Assert.True(await db.Frames.TryAddAcquiredAsync(frame));
        var again = TestDatabase.NewFrame();
        again.Id = Guid.NewGuid().ToString();
        Assert.False(await db.Frames.TryAddAcquiredAsync(again));
        Assert.Single(await db.Frames.ListAsync());
    }

    [Fact]
    public async Task Complete_Redelivered_ChangesNothingTheSecondTime()
    {
        using var db = new TestDatabase();
        var frame = TestDatabase.NewFrame();
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

    [Fact]
    public async Task ListFlagged_FiltersByReasonAcquisitionAndModel()
    {
        using var db = new TestDatabase();
        var a = TestDatabase.NewFrame("acq1", "/a.tif");
        var b = TestDatabase.NewFrame("acq2", "/b.tif");
        var c = TestDatabase.NewFrame("acq2", "/c.tif");
        foreach (var f in new[] { a, b, c }) await db.Frames.TryAddAcquiredAsync(f);
        await db.Frames.TryCompleteAsync(Completed(a, true, new ReviewReason("low_cellprob", "")));
        await db.Frames.TryCompleteAsync(Completed(b, true, new ReviewReason("count_outlier", "")));
        await db.Frames.TryCompleteAsync(Completed(c, false));

        Assert.Equal(2, (await db.Frames.ListFlaggedAsync(new FlaggedFilter())).Count);
        Assert.Equal(b.Id, Assert.Single(await db.Frames.ListFlaggedAsync(new FlaggedFilter(Reason: "count_outlier"))).Id);
        Assert.Equal(a.Id, Assert.Single(await db.Frames.ListFlaggedAsync(new FlaggedFilter(Acquisition: "acq1"))).Id);
        Assert.Empty(await db.Frames.ListFlaggedAsync(new FlaggedFilter(Model: "other")));
    }

    [Fact]
    public async Task Review_OnlyFlaggedFrames_MoveToTheirOutcome()
    {
        using var db = new TestDatabase();
        var frame = TestDatabase.NewFrame();
        await db.Frames.TryAddAcquiredAsync(frame);
        Assert.False(await db.Frames.TryReviewAsync(frame.FrameId, FrameStates.Accepted));
        await db.Frames.TryCompleteAsync(Completed(frame, true, new ReviewReason("low_cellprob", "")));
        Assert.True(await db.Frames.TryReviewAsync(frame.FrameId, FrameStates.Accepted));
        Assert.False(await db.Frames.TryReviewAsync(frame.FrameId, FrameStates.Skipped));
    }

    [Fact]
    public async Task Assign_OperatorReplacesSuggestion_ButSuggestionKeepsOperatorChoice()
    {
        using var db = new TestDatabase();
        Assert.True(await db.Models.TryAssignAsync("acq", "cyto", "suggestion"));
        await db.Models.AssignAsync("acq", "nuclei", "operator");
        Assert.False(await db.Models.TryAssignAsync("acq", "cyto", "suggestion"));
        Assert.Equal("nuclei", (await db.Models.GetAssignmentAsync("acq"))!.Model);
    }

    [Fact]
    public async Task TrainingRun_OnePerLineage_ClaimsPendingCorrections()
    {
        using var db = new TestDatabase();
        var frame = TestDatabase.NewFrame();
        await db.Frames.TryAddAcquiredAsync(frame);
        await db.Corrections.TryAddAsync(new CorrectionRow { Id = Guid.NewGuid().ToString(), FrameId = frame.Id, Model = "m", ModelVersion = 1, MasksPath = "/c.tif", Sha256 = "x", SubmittedAt = "t" });
        Assert.Equal(1, await db.Corrections.PendingCountAsync("m"));
        var run = new TrainingRunRow { Id = "r1", Model = "m", BaseVersion = 1, CheckpointDir = "/ck", StartedAt = "t" };
        Assert.NotNull(await db.Corrections.TryStartRunAsync(run));
        Assert.Equal(1, run.Corrections);
        Assert.Null(await db.Corrections.TryStartRunAsync(new TrainingRunRow { Id = "r2", Model = "m", BaseVersion = 1, CheckpointDir = "/ck", StartedAt = "t" }));
        Assert.Equal(0, await db.Corrections.PendingCountAsync("m"));
    }
}
