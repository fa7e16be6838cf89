using AcqSeg.Engine.Training;

namespace AcqSeg.Engine.Tests.Training;

public class TrainScheduleTests
{
    [Fact]
    public void Offline_WarmsUpLinearlyOverTenEpochs_ThenHalvesEveryTenOverTheLast90()
    {
        var s = TrainSchedule.Offline;
        Assert.Equal((0.2, 1e-5, 500, 5), (s.LearningRate, s.WeightDecay, s.Epochs, s.MinTrainMasks));
        Assert.Equal(0.0, s.LearningRateAt(0));
        Assert.Equal(0.2 * 5 / 9, s.LearningRateAt(5), 12);
        Assert.Equal(0.2, s.LearningRateAt(9), 12);
        Assert.Equal(0.2, s.LearningRateAt(409));
        Assert.Equal(0.1, s.LearningRateAt(410));
        Assert.Equal(0.1, s.LearningRateAt(419));
        Assert.Equal(0.05, s.LearningRateAt(420));
        Assert.Equal(0.2 / 512, s.LearningRateAt(499), 12);
    }

    [Fact]
    public void Online_IsConstantAfterWarmUp_WithoutAnnealing()
    {
        var s = TrainSchedule.Online;
        Assert.Equal((0.1, 1e-4, 100, 1), (s.LearningRate, s.WeightDecay, s.Epochs, s.MinTrainMasks));
        Assert.Equal(0.1, s.LearningRateAt(10));
        Assert.Equal(0.1, s.LearningRateAt(99));
    }

    [Fact]
    public void ShortAnnealedRun_StillEndsAtALowRate()
    {
        var s = TrainSchedule.Offline with { Epochs = 150 };
        Assert.Equal(0.2, s.LearningRateAt(59));
        Assert.Equal(0.1, s.LearningRateAt(60));
        Assert.Equal(0.2 / 512, s.LearningRateAt(149), 12);
    }

    [Fact]
    public void ACheckpoint_ContinuesUnderAnotherLength_OnlyWhileTheRatesSoFarAgree()
    {
        var ran = TrainSchedule.Offline with { Epochs = 150 };   // anneals from epoch 60
        var shorter = TrainSchedule.Offline with { Epochs = 120 }; // anneals from epoch 30
        Assert.True(shorter.ContinuesFrom(ran, 30));
        Assert.False(shorter.ContinuesFrom(ran, 31));               // epoch 30 ran at 0.2, would now be 0.1
        Assert.True((TrainSchedule.Offline with { Epochs = 300 }).ContinuesFrom(ran, 60));
        Assert.False((TrainSchedule.Offline with { Epochs = 300 }).ContinuesFrom(ran, 61));
        Assert.False((shorter with { LearningRate = 0.1 }).ContinuesFrom(ran, 5));
        Assert.False(TrainSchedule.Online.ContinuesFrom(ran, 0));
    }

    [Theory]
    [InlineData("offline")]
    [InlineData("ONLINE")]
    public void Named_KnownSchedules(string name) => Assert.Equal(name.ToLowerInvariant(), TrainSchedule.Named(name).Name);

    [Fact]
    public void Named_Unknown_NamesTheChoices()
    {
        var ex = Assert.Throws<ArgumentException>(() => TrainSchedule.Named("fast"));
        Assert.Contains("offline or online", ex.Message);
    }

    [Fact]
    public void LearningRateAt_OutsideTheRun_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainSchedule.Online.LearningRateAt(100));
    }
}
