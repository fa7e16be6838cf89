using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Imaging.Tests.Dynamics;

namespace AcqSeg.Imaging.Tests.Metrics;

public sealed class SegmentationMetricsTests
{
    private static LabelImage Empty(int h, int w) => new(new int[h * w], h, w);

    [Fact]
    public void Evaluate_IdenticalMasks_ScorePerfectlyAtEveryThreshold()
    {
        var masks = new TestMasks(20, 20).Rect(1, 0, 0, 5, 5).Rect(2, 10, 10, 18, 16).Image();

        var s = SegmentationMetrics.Evaluate(masks, masks);

        Assert.Equal(3, s.Thresholds.Count);
        Assert.All(s.Thresholds, t =>
        {
            Assert.Equal((2, 0, 0), (t.TruePositives, t.FalsePositives, t.FalseNegatives));
            Assert.Equal(1.0, t.AveragePrecision);
            Assert.Equal(1.0, t.F1);
            Assert.Equal(1.0, t.MeanMatchedIou);
        });
        Assert.Equal(1.0, s.AggregatedJaccard);
    }

    [Fact]
    public void Evaluate_ObjectSplitInTwoHalves_MatchesOneHalfAtHalfIou()
    {
        var truth = new TestMasks(10, 10).Rect(1, 0, 0, 10, 10).Image();
        var pred = new TestMasks(10, 10).Rect(1, 0, 0, 10, 5).Rect(2, 0, 5, 10, 10).Image();

        var s = SegmentationMetrics.Evaluate(truth, pred);

        var at05 = s.At(0.5);
        Assert.Equal((1, 1, 0), (at05.TruePositives, at05.FalsePositives, at05.FalseNegatives));
        Assert.Equal(0.5, at05.AveragePrecision);
        Assert.Equal(0.5, at05.Precision);
        Assert.Equal(1.0, at05.Recall);
        Assert.Equal(2.0 / 3.0, at05.F1, 12);
        Assert.Equal(0.5, at05.MeanMatchedIou);
        var at075 = s.At(0.75);
        Assert.Equal((0, 2, 1), (at075.TruePositives, at075.FalsePositives, at075.FalseNegatives));
        Assert.Equal(0.0, at075.AveragePrecision);
        // AJI: the truth pairs with one half (50 / 100); the other half is unpaired (+50 to the union).
        Assert.Equal(50.0 / 150.0, s.AggregatedJaccard, 12);
    }

    [Fact]
    public void Evaluate_TwoObjectsMerged_MatchOneAndMissTheOther()
    {
        var truth = new TestMasks(10, 10).Rect(1, 0, 0, 10, 5).Rect(2, 0, 5, 10, 10).Image();
        var pred = new TestMasks(10, 10).Rect(1, 0, 0, 10, 10).Image();

        var s = SegmentationMetrics.Evaluate(truth, pred);

        var at05 = s.At(0.5);
        Assert.Equal((1, 0, 1), (at05.TruePositives, at05.FalsePositives, at05.FalseNegatives));
        Assert.Equal(0.5, at05.AveragePrecision);
        Assert.Equal(1.0, at05.Precision);
        Assert.Equal(0.5, at05.Recall);
        // AJI: both truths pair with the merged prediction: (50 + 50) / (100 + 100).
        Assert.Equal(0.5, s.AggregatedJaccard, 12);
    }

    [Fact]
    public void Errors_TwoObjectsMerged_TheUnmatchedOneIsMerged()
    {
        var truth = new TestMasks(10, 10).Rect(1, 0, 0, 10, 5).Rect(2, 0, 5, 10, 10).Image();
        var pred = new TestMasks(10, 10).Rect(1, 0, 0, 10, 10).Image();

        var at05 = SegmentationMetrics.Evaluate(truth, pred).At(0.5);

        Assert.Equal(new ErrorBreakdown(0.5, Missed: 0, Merged: 1, Split: 0, Misshapen: 0, Spurious: 0), at05.Errors);
        Assert.Equal(at05.FalseNegatives, at05.Errors!.FalseNegatives);
    }

    [Fact]
    public void Errors_ObjectCutInThreeStrips_IsSplit_AndTheStripsAreNotSpurious()
    {
        var truth = new TestMasks(12, 12).Rect(1, 0, 0, 12, 12).Image();
        var pred = new TestMasks(12, 12).Rect(1, 0, 0, 12, 4).Rect(2, 0, 4, 12, 8).Rect(3, 0, 8, 12, 12).Image();

        var at05 = SegmentationMetrics.Evaluate(truth, pred).At(0.5);

        Assert.Equal((0, 3, 1), (at05.TruePositives, at05.FalsePositives, at05.FalseNegatives));
        Assert.Equal(new ErrorBreakdown(0.5, Missed: 0, Merged: 0, Split: 1, Misshapen: 0, Spurious: 0), at05.Errors);
    }

    [Fact]
    public void Errors_ObjectNotFoundAndPredictionOnBackground_AreMissedAndSpurious()
    {
        var truth = new TestMasks(20, 20).Rect(1, 0, 0, 5, 5).Rect(2, 10, 10, 15, 15).Image();
        var pred = new TestMasks(20, 20).Rect(1, 0, 0, 5, 5).Rect(2, 5, 15, 9, 19).Image();

        var at05 = SegmentationMetrics.Evaluate(truth, pred).At(0.5);

        Assert.Equal(new ErrorBreakdown(0.5, Missed: 1, Merged: 0, Split: 0, Misshapen: 0, Spurious: 1), at05.Errors);
    }

    [Fact]
    public void Errors_OnePredictionOverlappingTooLittle_IsMisshapen_AtHalfButMatchedAtALowerThreshold()
    {
        // 60 of the truth's 100 pixels, 30 outside: IoU 60 / 130 = 0.46.
        var truth = new TestMasks(10, 14).Rect(1, 0, 0, 10, 10).Image();
        var pred = new TestMasks(10, 14).Rect(1, 0, 4, 10, 13).Image();

        var s = SegmentationMetrics.Evaluate(truth, pred, [0.4, 0.5]);

        Assert.Equal(new ErrorBreakdown(0.5, Missed: 0, Merged: 0, Split: 0, Misshapen: 1, Spurious: 0), s.At(0.5).Errors);
        Assert.Equal(new ErrorBreakdown(0.4, 0, 0, 0, 0, 0), s.At(0.4).Errors);
    }

    [Fact]
    public void Evaluate_MissingAndExtraObjects_CountAsFalseNegativeAndFalsePositive()
    {
        var truth = new TestMasks(20, 20).Rect(1, 0, 0, 5, 5).Rect(2, 10, 10, 15, 15).Image();
        var missing = new TestMasks(20, 20).Rect(1, 0, 0, 5, 5).Image();
        var extra = new TestMasks(20, 20).Rect(1, 0, 0, 5, 5).Rect(2, 10, 10, 15, 15).Rect(3, 0, 15, 4, 19).Image();

        var m = SegmentationMetrics.Evaluate(truth, missing).At(0.5);
        var e = SegmentationMetrics.Evaluate(truth, extra).At(0.5);

        Assert.Equal((1, 0, 1), (m.TruePositives, m.FalsePositives, m.FalseNegatives));
        Assert.Equal(0.5, m.AveragePrecision);
        Assert.Equal(2.0 / 3.0, m.F1, 12);
        Assert.Equal((2, 1, 0), (e.TruePositives, e.FalsePositives, e.FalseNegatives));
        Assert.Equal(2.0 / 3.0, e.AveragePrecision, 12);
        Assert.Equal(2.0 / 3.0, e.Precision, 12);
        Assert.Equal(1.0, e.Recall);
    }

    [Fact]
    public void Evaluate_EmptyPrediction_ScoresZeroWithEveryTruthMissed()
    {
        var truth = new TestMasks(10, 10).Rect(1, 0, 0, 3, 3).Rect(2, 5, 5, 9, 9).Image();

        var s = SegmentationMetrics.Evaluate(truth, Empty(10, 10));

        var t = s.At(0.5);
        Assert.Equal((0, 0, 2), (t.TruePositives, t.FalsePositives, t.FalseNegatives));
        Assert.Equal(0.0, t.AveragePrecision);
        Assert.Equal(0.0, t.Precision);
        Assert.Equal(0.0, t.Recall);
        Assert.Equal(0.0, t.MeanMatchedIou);
        Assert.Equal(0.0, s.AggregatedJaccard);
    }

    [Fact]
    public void Evaluate_EmptyTruth_CountsEveryPredictionAsFalsePositive()
    {
        var pred = new TestMasks(10, 10).Rect(4, 0, 0, 3, 3).Image();

        var t = SegmentationMetrics.Evaluate(Empty(10, 10), pred).At(0.5);

        Assert.Equal((0, 1, 0), (t.TruePositives, t.FalsePositives, t.FalseNegatives));
        Assert.Equal(0.0, t.AveragePrecision);
    }

    [Fact]
    public void Evaluate_BothEmpty_IsPerfectAgreement()
    {
        var s = SegmentationMetrics.Evaluate(Empty(4, 4), Empty(4, 4));

        Assert.Equal(1.0, s.At(0.5).AveragePrecision);
        Assert.Equal(1.0, s.AggregatedJaccard);
    }

    [Fact]
    public void Evaluate_LabelsSkippingNumbers_CountsObjectsPresentNotTheMaximum()
    {
        var truth = new TestMasks(20, 20).Rect(3, 0, 0, 5, 5).Rect(17, 10, 10, 15, 15).Image();
        var pred = new TestMasks(20, 20).Rect(1_900_000_000, 0, 0, 5, 5).Rect(5, 10, 10, 15, 14).Image();

        var s = SegmentationMetrics.Evaluate(truth, pred);

        Assert.Equal(2, s.TrueObjects);
        Assert.Equal(2, s.PredictedObjects);
        var t = s.At(0.75);
        Assert.Equal((2, 0, 0), (t.TruePositives, t.FalsePositives, t.FalseNegatives));
        Assert.Equal((1.0 + 20.0 / 25.0) / 2, t.MeanMatchedIou, 12);
        var strict = s.At(0.9);
        Assert.Equal((1, 1, 1), (strict.TruePositives, strict.FalsePositives, strict.FalseNegatives));
    }

    /// <summary>
    /// One row of 20 pixels: truths A = [0, 10), B = [10, 20); predictions Y = [0, 3), X = [3, 16).
    /// IoU(A, X) = 7/16 is the largest, so greedy matching takes A-X and leaves B and Y unmatched (1 TP); the optimal
    /// assignment takes A-Y (0.3) and B-X (6/17), 2 TP.
    /// </summary>
    [Fact]
    public void Evaluate_WhereGreedyMatchingFails_FindsTheOptimalAssignment()
    {
        var truth = new TestMasks(1, 20).Rect(1, 0, 0, 1, 10).Rect(2, 0, 10, 1, 20).Image();
        var pred = new TestMasks(1, 20).Rect(1, 0, 0, 1, 3).Rect(2, 0, 3, 1, 16).Image();

        var s = SegmentationMetrics.Evaluate(truth, pred, [0.29]);

        var t = s.At(0.29);
        Assert.Equal((2, 0, 0), (t.TruePositives, t.FalsePositives, t.FalseNegatives));
        Assert.Equal(1.0, t.AveragePrecision);
        Assert.Equal((3.0 / 10.0 + 6.0 / 17.0) / 2, t.MeanMatchedIou, 12);
        var matches = SegmentationMetrics.Match(ObjectOverlap.Compute(truth, pred), 0.29);
        Assert.Equal([new ObjectMatch(0, 0, 0.3), new ObjectMatch(1, 1, 6.0 / 17.0)], matches);
    }

    /// <summary>
    /// A (4x4) vs P (A shifted one column): 12 shared, union 20. B (4x4) vs Q (2x2 inside B): 4 shared, union 16.
    /// R (2x2) overlaps nothing. AJI = (12 + 4) / (20 + 16 + 4) = 0.4.
    /// </summary>
    [Fact]
    public void AggregatedJaccard_HandComputedCase_IsPointFour()
    {
        var truth = new TestMasks(12, 12).Rect(1, 0, 0, 4, 4).Rect(2, 6, 6, 10, 10).Image();
        var pred = new TestMasks(12, 12).Rect(1, 0, 1, 4, 5).Rect(2, 7, 7, 9, 9).Rect(3, 10, 0, 12, 2).Image();

        var s = SegmentationMetrics.Evaluate(truth, pred);

        Assert.Equal(0.4, s.AggregatedJaccard, 12);
        Assert.Equal(12.0 / 20.0, ObjectOverlap.Compute(truth, pred).Iou(0, 0), 12);
    }

    [Fact]
    public void Evaluate_CustomThresholds_AreReportedInOrder()
    {
        var truth = new TestMasks(10, 10).Rect(1, 0, 0, 10, 10).Image();
        var pred = new TestMasks(10, 10).Rect(1, 0, 0, 10, 6).Image();

        var s = SegmentationMetrics.Evaluate(truth, pred, [0.55, 0.65]);

        Assert.Equal([0.55, 0.65], s.Thresholds.Select(t => t.Threshold));
        Assert.Equal(1, s.At(0.55).TruePositives);
        Assert.Equal(0, s.At(0.65).TruePositives);
        Assert.Throws<ArgumentException>(() => s.At(0.5));
    }

    [Fact]
    public void Mean_AveragesRatiosAndSumsCounts()
    {
        var masks = new TestMasks(10, 10).Rect(1, 0, 0, 3, 3).Rect(2, 5, 5, 9, 9).Image();
        var half = new TestMasks(10, 10).Rect(1, 0, 0, 3, 3).Image();

        var mean = SegmentationMetrics.Mean([SegmentationMetrics.Evaluate(masks, masks), SegmentationMetrics.Evaluate(masks, half)]);

        Assert.Equal(2, mean.Images);
        Assert.Equal(0.75, mean.At(0.5).AveragePrecision, 12);
        Assert.Equal(3, mean.At(0.5).TruePositives);
        Assert.Equal(1, mean.At(0.5).FalseNegatives);
    }

    [Fact]
    public void Evaluate_DifferentSizes_NamesBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => SegmentationMetrics.Evaluate(Empty(4, 5), Empty(5, 4)));
        Assert.Contains("4x5", ex.Message);
        Assert.Contains("5x4", ex.Message);
    }
}
