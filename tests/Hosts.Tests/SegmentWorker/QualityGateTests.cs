using AcqSeg.SegmentWorker;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

public class QualityGateTests
{
    private static readonly QualityGate Gate = new(Options.Create(new QualityGateOptions()));

    private static FrameQuality Good(IReadOnlyList<int>? recent = null) =>
        new(20, 22, 2, 0.9, [1f, 0f], recent ?? [], null);

    [Fact]
    public void Evaluate_HealthyFrame_HasNoReasons() => Assert.Empty(Gate.Evaluate(Good([18, 20, 22])));

    [Fact]
    public void Evaluate_MostMasksDroppedByFlowQc_FlagsFlowQcDrops() =>
        Assert.Equal(QualityGate.FlowQcDrops, Assert.Single(Gate.Evaluate(Good() with { MasksBeforeQc = 30, DroppedByFlowQc = 20 })).Reason);

    [Fact]
    public void Evaluate_LowCellprobInsideMasks_FlagsLowCellprob() =>
        Assert.Equal(QualityGate.LowCellprob, Assert.Single(Gate.Evaluate(Good() with { MeanCellprob = 0.3 })).Reason);

    [Fact]
    public void Evaluate_CountFarAboveRunningMedian_FlagsCountOutlier() =>
        Assert.Equal(QualityGate.CountOutlier, Assert.Single(Gate.Evaluate(Good([5, 6, 7]) with { ObjectCount = 40 })).Reason);

    [Fact]
    public void Evaluate_TooFewEarlierFrames_SkipsCountRule() =>
        Assert.Empty(Gate.Evaluate(Good([5, 6]) with { ObjectCount = 40 }));

    [Fact]
    public void Evaluate_StyleOrthogonalToTrainingStyles_FlagsOutOfDistribution() =>
        Assert.Equal(QualityGate.OutOfDistribution, Assert.Single(Gate.Evaluate(Good() with { TrainingStyles = [[0f, 1f]] })).Reason);

    [Fact]
    public void Evaluate_StyleCloseToATrainingStyle_PassesDistributionRule() =>
        Assert.Empty(Gate.Evaluate(Good() with { TrainingStyles = [[0f, 1f], [0.95f, 0.05f]] }));
}
