using AcqSeg.Persistence;
using Xunit;

namespace AcqSeg.Persistence.Tests.StoreBehaviour;

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
        new FrameStatsRow
        {
            Height = 8, Width = 8, ObjectCount = 3, MeanCellprob = 0.9, Style = "0.1,0.2", Diameter = 17.5, DiameterSource = "reused", SizeEstimateSeconds = 0,
        }, reasons);

    [SkippableFact]
    public async Task Migrate_SecondRun_AppliesNothing()
    {
        await using var db = await OpenAsync();
        Assert.Empty(await db.Migrator.MigrateAsync());
        Assert.Equal(SchemaMigrator.Scripts(SqlDialect.Sqlite).Select(s => s.Version), SchemaMigrator.Scripts(SqlDialect.Postgres).Select(s => s.Version));
        // Two scripts with one number (branches merged) would leave the second unapplied on a database that had the first.
        var versions = SchemaMigrator.Scripts(SqlDialect.Sqlite).Select(s => s.Version).ToList();
        Assert.Equal(versions.Distinct().Count(), versions.Count);
    }

    [SkippableFact]
    public async Task Resegmentations_EndOnceDoneOrFailed_TheFramesPendingOneIsTheNewestStillWaiting()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame();
        Assert.True(await db.Frames.TryAddAcquiredAsync(frame));
        var store = db.Resegmentations;
        var t0 = DateTimeOffset.UtcNow;
        ResegmentationRow Request(Guid id, DateTimeOffset at, double? diameter) => new()
        {
            Id = id.ToString(), FrameId = frame.Id, Model = "m", RequestedBy = "ana", RequestedAt = Database.Timestamp(at), Diameter = diameter,
            CellprobThreshold = -1.5,
        };
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        await store.AddAsync(Request(a, t0, 0));
        await store.AddAsync(Request(b, t0.AddSeconds(5), null));
        Assert.Equal(b.ToString(), (await store.PendingForFrameAsync(frame.FrameId))!.Id);

        var outcome = new ResegmentationOutcome(2, 23.5, "size_model", 0.4, -1.5, 41, "/out/.resegmented/x.tif", 1.25, t0.AddSeconds(9));
        Assert.True(await store.TryCompleteAsync(b, outcome));
        Assert.False(await store.TryCompleteAsync(b, outcome with { ObjectCount = 7 }));
        Assert.False(await store.TryFailAsync(b, "late", t0.AddSeconds(10)));
        var done = (await store.GetAsync(b))!;
        Assert.Equal((ResegmentationStates.Done, 2, 23.5, "size_model", 0.4, -1.5, 41, "/out/.resegmented/x.tif", 1.25),
            (done.State, done.ModelVersion, done.DiameterUsed, done.DiameterSource, done.FlowThresholdUsed, done.CellprobThresholdUsed, done.ObjectCount,
             done.MasksPath, done.Seconds));
        Assert.Equal((null, (double?)-1.5, "ana", Database.Timestamp(t0.AddSeconds(9))), (done.Diameter, done.CellprobThreshold, done.RequestedBy, done.CompletedAt));

        Assert.Equal(a.ToString(), (await store.PendingForFrameAsync(frame.FrameId))!.Id);
        Assert.True(await store.TryFailAsync(a, "no size model", t0.AddSeconds(11)));
        Assert.False(await store.TryCompleteAsync(a, outcome));
        var failed = (await store.GetAsync(a))!;
        Assert.Equal((ResegmentationStates.Failed, "no size model", (double?)0, (int?)null), (failed.State, failed.Reason, failed.Diameter, failed.ObjectCount));
        Assert.Null(await store.PendingForFrameAsync(frame.FrameId));
        Assert.Null(await store.GetAsync(Guid.NewGuid()));
    }

    [SkippableFact]
    public async Task Curators_StampRotatesFailuresCountInTheirWindow_RemovalEndsTokensAndKeepsTheName()
    {
        await using var db = await OpenAsync();
        var curators = db.Curators;
        Assert.True(await curators.TryAddAsync("ana", "hash"));
        string? stamp = await curators.SecurityStampAsync("ana");
        Assert.False(string.IsNullOrEmpty(stamp));
        string rotated = await curators.RotateSecurityStampAsync("ana");
        Assert.NotEqual(stamp, rotated);
        Assert.Equal(rotated, await curators.SecurityStampAsync("ana"));

        var t0 = DateTimeOffset.UtcNow;
        var window = TimeSpan.FromMinutes(1);
        Assert.Equal(1, await curators.RecordFailedLoginAsync("ana", t0, t0 - window));
        Assert.Equal(2, await curators.RecordFailedLoginAsync("ana", t0.AddSeconds(10), t0.AddSeconds(10) - window));
        // Two minutes on, the first failure is outside the window: the count starts again.
        Assert.Equal(1, await curators.RecordFailedLoginAsync("ana", t0.AddMinutes(2), t0.AddMinutes(2) - window));
        Assert.Equal(0, await curators.RecordFailedLoginAsync("nobody", t0, t0 - window));
        await curators.LockOutAsync("ana", t0.AddMinutes(5));
        var locked = (await curators.GetAsync("ana"))!;
        Assert.Equal((0, Database.Timestamp(t0.AddMinutes(5))), (locked.FailedLogins, locked.LockoutEnd));
        await curators.ResetFailedLoginsAsync("ana");
        Assert.Null((await curators.GetAsync("ana"))!.LockoutEnd);

        string sha1 = new string('a', 64), sha2 = "ab" + new string('b', 62);
        await curators.AddTokenAsync("ana", sha1);
        await curators.AddTokenAsync("ana", sha2);
        Assert.Equal(2, (await curators.TokensByIdAsync("a")).Count);
        Assert.Equal(sha1, Assert.Single(await curators.TokensByIdAsync(sha1[..12])).Sha256);
        Assert.Equal(2, (await curators.TokensOfAsync("ana")).Count);
        Assert.True(await curators.RevokeTokenAsync(sha1));
        Assert.Null(await curators.CuratorForTokenAsync(sha1));
        Assert.Equal("ana", await curators.CuratorForTokenAsync(sha2));

        Assert.Equal(1, await curators.RemoveAsync("ana"));
        Assert.Null(await curators.CuratorForTokenAsync(sha2));
        Assert.Null(await curators.GetAsync("ana"));
        Assert.Null(await curators.SecurityStampAsync("ana"));
        Assert.NotNull((await curators.GetIncludingRemovedAsync("ana"))!.RemovedAt);
        Assert.Empty(await curators.ListAsync());
        Assert.False(await curators.TryAddAsync("ana", "hash"));
        Assert.Null(await curators.RemoveAsync("ana"));
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
        var stats = (await db.Frames.GetStatsAsync(frame.FrameId))!;
        Assert.Equal((3, 17.5, "reused", 0.0), (stats.ObjectCount, stats.Diameter, stats.DiameterSource, stats.SizeEstimateSeconds));
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

    [SkippableFact]
    public async Task SendToReview_DoneFrames_BecomeFlaggedOnceWithOneReasonNamingTheCurator_OthersUntouched()
    {
        await using var db = await OpenAsync();
        Assert.True(await db.Curators.TryAddAsync("alice", "hash"));
        Assert.True(await db.Curators.TryAddAsync("bob", "hash"));
        var segmented = StoreSet.NewFrame(path: "/s.tif");
        var failed = StoreSet.NewFrame(path: "/f.tif");
        var acquired = StoreSet.NewFrame(path: "/a.tif");
        foreach (var f in new[] { segmented, failed, acquired }) await db.Frames.TryAddAcquiredAsync(f);
        await db.Frames.TryCompleteAsync(Completed(segmented, false));
        await db.Frames.TryFailAsync(failed.FrameId, "not a TIFF");

        Assert.Equal(new SendToReviewOutcome(SendToReviewResult.Sent, FrameStates.Segmented), await db.Frames.SendToReviewAsync(segmented.FrameId, "alice"));
        Assert.Equal(new SendToReviewOutcome(SendToReviewResult.AlreadyInReview, FrameStates.Flagged), await db.Frames.SendToReviewAsync(segmented.FrameId, "bob"));
        var sent = (await db.Frames.GetAsync(segmented.FrameId))!;
        Assert.Equal((FrameStates.Flagged, "alice", FrameStates.Segmented), (sent.State, sent.SentToReviewBy, sent.SentToReviewFrom));
        Assert.NotNull(sent.SentToReviewAt);
        var reason = Assert.Single(await db.Frames.GetReasonsAsync(segmented.FrameId));
        Assert.Equal((FrameStates.SentByCuratorReason, "sent to review by alice (was Segmented)"), (reason.Reason, reason.Detail));
        Assert.Equal(segmented.Id, Assert.Single(await db.Queries.FlaggedAsync(10)).Id);

        // Reviewed, then sent again by someone else: Flagged once more, still one reason, naming the new sender.
        Assert.True(await db.Frames.TryReviewAsync(segmented.FrameId, FrameStates.Accepted));
        Assert.Equal(new SendToReviewOutcome(SendToReviewResult.Sent, FrameStates.Accepted), await db.Frames.SendToReviewAsync(segmented.FrameId, "bob"));
        reason = Assert.Single(await db.Frames.GetReasonsAsync(segmented.FrameId));
        Assert.Equal("sent to review by bob (was Accepted)", reason.Detail);
        Assert.Equal("bob", (await db.Frames.GetAsync(segmented.FrameId))!.SentToReviewBy);

        Assert.Equal(new SendToReviewOutcome(SendToReviewResult.NotEligible, FrameStates.Failed), await db.Frames.SendToReviewAsync(failed.FrameId, "alice"));
        Assert.Equal(new SendToReviewOutcome(SendToReviewResult.NotEligible, FrameStates.Acquired), await db.Frames.SendToReviewAsync(acquired.FrameId, "alice"));
        Assert.Equal(new SendToReviewOutcome(SendToReviewResult.NotFound, null), await db.Frames.SendToReviewAsync(Guid.NewGuid(), "alice"));
        var stillFailed = (await db.Frames.GetAsync(failed.FrameId))!;
        Assert.Equal((FrameStates.Failed, "not a TIFF", (string?)null), (stillFailed.State, stillFailed.Reason, stillFailed.SentToReviewBy));
        Assert.Equal(FrameStates.Acquired, (await db.Frames.GetAsync(acquired.FrameId))!.State);
        Assert.Empty(await db.Frames.GetReasonsAsync(failed.FrameId));
        Assert.Equal(1, (await db.Frames.CountByStateAsync())[FrameStates.Flagged]);
    }

    [SkippableFact]
    public async Task SendAcquisitionToReview_MovesEveryDoneFrameOnce_AndCountsTheRestByState()
    {
        await using var db = await OpenAsync();
        await db.Curators.TryAddAsync("alice", "hash");
        FrameRow Frame(string acquisition, string name) => StoreSet.NewFrame(acquisition, $"/{acquisition}/{name}.tif");
        var (segmented, flagged, accepted, corrected, skipped) = (Frame("acq", "s"), Frame("acq", "f"), Frame("acq", "a"), Frame("acq", "c"), Frame("acq", "k"));
        var (failed, acquired, other) = (Frame("acq", "x"), Frame("acq", "q"), Frame("acq2", "o"));
        foreach (var f in new[] { segmented, flagged, accepted, corrected, skipped, failed, acquired, other }) await db.Frames.TryAddAcquiredAsync(f);
        foreach (var f in new[] { segmented, other }) await db.Frames.TryCompleteAsync(Completed(f, false));
        foreach (var f in new[] { flagged, accepted, corrected, skipped }) await db.Frames.TryCompleteAsync(Completed(f, true, new ReviewReason("low_cellprob", "")));
        await db.Frames.TryReviewAsync(accepted.FrameId, FrameStates.Accepted);
        await db.Frames.TryReviewAsync(corrected.FrameId, FrameStates.Corrected);
        await db.Frames.TryReviewAsync(skipped.FrameId, FrameStates.Skipped);
        await db.Frames.TryFailAsync(failed.FrameId, "truncated");

        var first = (await db.Frames.SendAcquisitionToReviewAsync("acq", "alice"))!;
        Assert.Equal((4, 1), (first.Sent, first.AlreadyInReview));
        Assert.Equal(new Dictionary<string, int> { [FrameStates.Failed] = 1, [FrameStates.Acquired] = 1 }, first.NotEligible);
        foreach (var f in new[] { segmented, accepted, corrected, skipped })
        {
            var row = (await db.Frames.GetAsync(f.FrameId))!;
            Assert.Equal((FrameStates.Flagged, "alice"), (row.State, row.SentToReviewBy));
            Assert.Single(await db.Frames.GetReasonsAsync(f.FrameId), r => r.Reason == FrameStates.SentByCuratorReason);
        }
        Assert.Equal("sent to review by alice (was Corrected)",
            (await db.Frames.GetReasonsAsync(corrected.FrameId)).Single(r => r.Reason == FrameStates.SentByCuratorReason).Detail);
        // The quality gate's frame keeps its own reason only; the other acquisition is untouched.
        Assert.Equal(["low_cellprob"], (await db.Frames.GetReasonsAsync(flagged.FrameId)).Select(r => r.Reason));
        Assert.Equal(FrameStates.Segmented, (await db.Frames.GetAsync(other.FrameId))!.State);

        var second = (await db.Frames.SendAcquisitionToReviewAsync("acq", "alice"))!;
        Assert.Equal((0, 5, 2), (second.Sent, second.AlreadyInReview, second.NotEligible.Values.Sum()));
        Assert.Null(await db.Frames.SendAcquisitionToReviewAsync("no-such-acquisition", "alice"));
    }

    [SkippableFact]
    public async Task RecentFrames_NewestFirst_FilteredByAcquisitionAndState_WithStats()
    {
        await using var db = await OpenAsync();
        var old = StoreSet.NewFrame("acq1", "/old.tif");
        var recent = StoreSet.NewFrame("acq1", "/recent.tif");
        var waiting = StoreSet.NewFrame("acq1", "/waiting.tif");
        var other = StoreSet.NewFrame("acq2", "/other.tif");
        foreach (var f in new[] { old, recent, other }) await db.Frames.TryAddAcquiredAsync(f);
        await db.Frames.TryCompleteAsync(Completed(old, false));
        await db.Frames.TryCompleteAsync(Completed(recent, false));
        await db.Frames.TryCompleteAsync(Completed(other, true, new ReviewReason("low_cellprob", "")));
        // Acquired last and never completed: sorted by its acquisition time, so first.
        waiting.AcquiredAt = "2999-01-01T00:00:00.0000000Z";
        await db.Frames.TryAddAcquiredAsync(waiting);

        Assert.Equal([waiting.Id, recent.Id, old.Id], (await db.Queries.RecentFramesAsync("acq1", null, 10)).Select(r => r.Id));
        var segmented = await db.Queries.RecentFramesAsync("acq1", FrameStates.Segmented, 1);
        Assert.Equal(recent.Id, Assert.Single(segmented).Id);
        Assert.Equal((3, 8, 8), (segmented[0].ObjectCount!.Value, segmented[0].Width!.Value, segmented[0].Height!.Value));
        Assert.Null((await db.Queries.RecentFramesAsync("acq1", FrameStates.Acquired, 10)).Single().ObjectCount);
        Assert.Equal(4, (await db.Queries.RecentFramesAsync(null, null, 10)).Count);
        Assert.Equal(["acq1", "acq2"], await db.Queries.AcquisitionsAsync());
    }

    [SkippableFact]
    public async Task LatestCorrectionForFrame_IsTheLastSubmitted()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame();
        await db.Frames.TryAddAcquiredAsync(frame);
        Assert.Null(await db.Corrections.LatestForFrameAsync(frame.FrameId));
        foreach (var (sha, at) in new[] { ("b", "2024-01-02"), ("a", "2024-01-03"), ("c", "2024-01-01") })
        {
            await db.Corrections.TryAddAsync(new CorrectionRow { Id = Guid.NewGuid().ToString(), FrameId = frame.Id, Model = "m", ModelVersion = 1, MasksPath = $"/{sha}.tif", Sha256 = sha, SubmittedAt = at });
        }
        Assert.Equal("/a.tif", (await db.Corrections.LatestForFrameAsync(frame.FrameId))!.MasksPath);
    }

    [SkippableFact]
    public async Task Requeue_PutsFailedFramesBackOnceEach_FilteredByAcquisitionAndReason()
    {
        await using var db = await OpenAsync();
        async Task<FrameRow> Failed(string acquisition, string path, string reason)
        {
            var f = StoreSet.NewFrame(acquisition, path, sha: path);
            await db.Frames.TryAddAcquiredAsync(f);
            await db.Frames.MarkPublishedAsync(f.FrameId, DateTimeOffset.UtcNow);
            Assert.True(await db.Frames.TryFailAsync(f.FrameId, reason));
            return f;
        }
        var disk = await Failed("run42/plate_1", "/d/a.tif", "cannot write /out/a_cp_masks.tif: No space left on device");
        await Failed("run42/plate_1", "/d/b.tif", "page 0 is corrupt");
        var other = await Failed("run43", "/d/c.tif", "Cannot Write /out/c: read-only file system");
        // _ in a name is literal, not LIKE's any-character.
        var similar = await Failed("run42/plateX1", "/d/d.tif", "cannot write /out/d");

        var dry = await db.Frames.RequeueAsync(FrameStates.Failed, "run42/plate_1", "cannot write", dryRun: true);
        Assert.Equal([disk.Id], dry.Select(f => f.Id));
        Assert.Equal(FrameStates.Failed, (await db.Frames.GetAsync(disk.FrameId))!.State);

        var requeued = await db.Frames.RequeueAsync(FrameStates.Failed, "run4*", "CANNOT WRITE", dryRun: false);
        Assert.Equal(new[] { disk.Id, other.Id, similar.Id }.Order(), requeued.Select(f => f.Id).Order());
        Assert.Empty(await db.Frames.RequeueAsync(FrameStates.Failed, "run4*", "cannot write", dryRun: false));
        var back = (await db.Frames.GetAsync(disk.FrameId))!;
        Assert.Equal((FrameStates.Acquired, 1), (back.State, back.RequeueCount));
        Assert.Null(back.Reason);
        Assert.Null(back.PublishedAt);
        Assert.Equal(1, (await db.Frames.CountByStateAsync())[FrameStates.Failed]);
        await Assert.ThrowsAsync<ArgumentException>(() => db.Frames.RequeueAsync(FrameStates.Segmented, null, null, dryRun: false));
    }

    [SkippableFact]
    public async Task DueForPublish_IsUnpublishedPastTheGrace_OrPublishedPastALeaseThatGrowsWithEachPublish()
    {
        await using var db = await OpenAsync();
        var now = DateTimeOffset.UtcNow;
        var lease = TimeSpan.FromMinutes(10);
        async Task<FrameRow> Frame(string path, TimeSpan age, params TimeSpan[] publishedAgo)
        {
            var f = StoreSet.NewFrame(path: path, sha: path);
            f.AcquiredAt = Database.Timestamp(now - age);
            await db.Frames.TryAddAcquiredAsync(f);
            foreach (var ago in publishedAgo) await db.Frames.MarkPublishedAsync(f.FrameId, now - ago);
            return f;
        }
        var lost = await Frame("/d/lost.tif", TimeSpan.FromMinutes(1));
        await Frame("/d/fresh.tif", TimeSpan.FromSeconds(1));
        var expired = await Frame("/d/expired.tif", TimeSpan.FromHours(1), TimeSpan.FromMinutes(11));
        await Frame("/d/leased.tif", TimeSpan.FromHours(1), TimeSpan.FromMinutes(9));
        // Published twice, last 15 min ago: its lease is now 20 min.
        await Frame("/d/twice.tif", TimeSpan.FromHours(1), TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(15));
        var done = await Frame("/d/done.tif", TimeSpan.FromHours(1));
        await db.Frames.TryFailAsync(done.FrameId, "corrupt");

        var due = await db.Frames.DueForPublishAsync(now, lease, TimeSpan.FromSeconds(10), limit: 10);
        Assert.Equal(new[] { expired.Id, lost.Id }, due.Select(f => f.Id));
        Assert.Single(await db.Frames.DueForPublishAsync(now, lease, TimeSpan.FromSeconds(10), limit: 1));
    }

    [SkippableFact]
    public async Task FileChangedWhileItsFrameWaited_TheOldContentCannotBeRecorded_TheNewContentIs()
    {
        await using var db = await OpenAsync();
        var frame = StoreSet.NewFrame(sha: "half");
        await db.Frames.TryAddAcquiredAsync(frame);
        // The watcher saw the rest of the file arrive before a worker recorded the frame.
        Assert.True(await db.Frames.TryReacquireAsync(frame.FrameId, "whole", 20, "m"));
        var stale = Completed(frame, false) with { Sha256 = "half" };
        Assert.False(await db.Frames.TryCompleteAsync(stale));
        Assert.False(await db.Frames.TryFailAsync(frame.FrameId, "truncated", sha256: "half"));
        Assert.True(await db.Frames.TryCompleteAsync(stale with { Sha256 = "whole" }));
        var stored = (await db.Frames.GetAsync(frame.FrameId))!;
        Assert.Equal((FrameStates.Segmented, "whole", 20L), (stored.State, stored.Sha256, stored.SizeBytes));
        // A finished frame is not reopened by a change (a rewritten file is a new frame).
        Assert.False(await db.Frames.TryReacquireAsync(frame.FrameId, "rewritten", 30, "m"));
    }
}
