using AcqSeg.Persistence;
using AcqSeg.TrainWorker;

namespace AcqSeg.Hosts.Tests.TrainWorker;

/// <summary>Which corrected frames a training round holds back to compare the candidate with the current version.</summary>
public class HoldOutTests
{
    private static CorrectionRow Frame(string id, int segmentedBy, string? claimedBy = null) =>
        new() { Id = "c-" + id, FrameId = id, Model = "m", ModelVersion = segmentedBy, TrainingRunId = claimedBy };

    private static readonly TrainingRunRow[] Runs = [new() { Id = "r1" }, new() { Id = "r2" }, new() { Id = "r3" }];

    [Fact]
    public void HeldBackFrames_AreOnlyFramesTheCurrentVersionNeverTrainedOn()
    {
        // Run r1 made version 2 from frame a (segmented by v1); b..e were segmented by v2, so v2 never saw them.
        // Whatever the hashes say, a must not be held back: v2 would be scored on its own training frame.
        var frames = new[] { Frame("a", 1, "r1"), Frame("b", 2, "r2"), Frame("c", 2, "r2"), Frame("d", 2, "r3"), Frame("e", 2, "r3") };
        var unseen = HoldOut.UnseenBy(2, "r1", Runs);
        foreach (var order in new[] { frames, frames.Reverse().ToArray() })
        {
            var split = HoldOut.Split(order, 0.4, unseen);
            Assert.False(split.ScoredOnTrainingFrames);
            Assert.Equal(2, split.Scored.Count);
            Assert.All(split.Scored, c => Assert.NotEqual("a", c.FrameId));
            Assert.Contains(split.Train, c => c.FrameId == "a");
            Assert.Equal(5, split.Train.Count + split.Scored.Count);
            Assert.Empty(split.Train.Intersect(split.Scored));
        }
    }

    [Fact]
    public void AFrameCorrectedWhileTheCurrentVersionTrained_IsUnseenByIt()
    {
        // b was segmented by v1 but claimed by r2, after r1 had made v2: v2 never trained on it.
        var unseen = HoldOut.UnseenBy(2, "r1", Runs);
        Assert.True(unseen(Frame("b", 1, "r2")));
        Assert.False(unseen(Frame("a", 1, "r1")));
        Assert.True(unseen(Frame("n", 2)));
        // The base model trained on none of them.
        Assert.True(HoldOut.UnseenBy(1, null, Runs)(Frame("a", 1, "r1")));
    }

    [Fact]
    public void AgainstTheBaseModel_AnyFrameMayBeHeldBack_AndTheChoiceIsStable()
    {
        var frames = Enumerable.Range(0, 10).Select(i => Frame($"f{i}", 1)).ToArray();
        var a = HoldOut.Split(frames, 0.2, HoldOut.UnseenBy(1, null, []));
        var b = HoldOut.Split(frames.Reverse().ToArray(), 0.2, HoldOut.UnseenBy(1, null, []));
        Assert.Equal(2, a.Scored.Count);
        Assert.Equal(a.Scored.Select(c => c.FrameId).Order(), b.Scored.Select(c => c.FrameId).Order());
    }

    [Fact]
    public void OneFrame_OrNoFrameUnseenByTheCurrentVersion_IsScoredOnItsTrainingFrames()
    {
        var one = HoldOut.Split([Frame("a", 1)], 0.2, _ => true);
        Assert.True(one.ScoredOnTrainingFrames);
        Assert.Single(one.Train);
        // Both frames were claimed by r1, the run that made the current version 2: it may have trained on either.
        var seen = HoldOut.Split([Frame("a", 1, "r1"), Frame("b", 1, "r1")], 0.5, HoldOut.UnseenBy(2, "r1", Runs));
        Assert.True(seen.ScoredOnTrainingFrames);
        Assert.Equal(2, seen.Train.Count);
        Assert.Equal(0, seen.NewToCurrent);
    }

    [Fact]
    public void SecondRound_WhoseOnlyUnseenFrameMustBeHeldBack_HasNothingNewToTrainOn()
    {
        // r1 made v2 from frame a; frame b (segmented by v2) is the only frame v2 never saw, so it is held back and the
        // candidate could only train on a: it would relearn v2.
        var second = HoldOut.Split([Frame("a", 1, "r1"), Frame("b", 2)], 0.2, HoldOut.UnseenBy(2, "r1", Runs));
        Assert.Equal("b", Assert.Single(second.Scored).FrameId);
        Assert.Equal(0, second.NewToCurrent);
        // With a third frame, one unseen frame is held back and the other is new to the candidate.
        var third = HoldOut.Split([Frame("a", 1, "r1"), Frame("b", 2), Frame("c", 2)], 0.2, HoldOut.UnseenBy(2, "r1", Runs));
        Assert.Equal(1, third.NewToCurrent);
        Assert.Equal(2, third.Train.Count);
        // Against the base model every frame is new.
        Assert.Equal(1, HoldOut.Split([Frame("a", 1)], 0.2, _ => true).NewToCurrent);
    }

    [Fact]
    public void FramesHeldBackByTheRunThatMadeTheCurrentVersion_AreUnseenByIt()
    {
        // r1 made v2 from a, holding b back; c came later. The round after a publish must not take b for a trained frame:
        // it was, and the round was skipped as having nothing new to learn.
        TrainingRunRow[] runs = [new() { Id = "r1", HeldOutFrameIds = "b" }, new() { Id = "r2" }];
        var unseen = HoldOut.UnseenBy(2, "r1", runs);
        Assert.False(unseen(Frame("a", 1, "r1")));
        Assert.True(unseen(Frame("b", 1, "r1")));
        var next = HoldOut.Split([Frame("a", 1, "r1"), Frame("b", 1, "r1"), Frame("c", 2, "r2")], 0.2, unseen);
        Assert.Single(next.Scored);
        Assert.Equal(1, next.NewToCurrent);
        // A run recorded before held-back ids were kept leaves its frames counted as seen.
        Assert.False(HoldOut.UnseenBy(2, "r1", [new() { Id = "r1" }])(Frame("b", 1, "r1")));
    }
}
