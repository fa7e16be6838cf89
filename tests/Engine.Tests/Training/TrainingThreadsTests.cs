using AcqSeg.Engine.Tests.Inference;
using AcqSeg.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Tests.Training;

[Collection(NetworkRunCollection.Name)]
public class TrainingThreadsTests
{
    [Fact]
    public void Check_OnOneThread_FindsTheSameGradientsEveryTime()
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(1);
        try { Assert.True(TrainingThreads.SameGradientsEveryTime(repeats: 4)); }
        finally { torch.set_num_threads(before); }
    }

    [Fact]
    public void Use_TrainsOnOneThreadExactlyWhenTheCheckFails_AndRestoresTheCount()
    {
        int before = torch.get_num_threads();
        using (var scope = TrainingThreads.Use(CPU))
        {
            bool expectReduced = before > 1 && !TrainingThreads.BackwardIsConsistent();
            Assert.Equal(expectReduced, scope.Reduced);
            Assert.Equal(expectReduced ? 1 : before, torch.get_num_threads());
            // Nested runs (two trainers in one process) share the reduction; the outer one restores it.
            using (TrainingThreads.Use(CPU)) Assert.Equal(expectReduced ? 1 : before, torch.get_num_threads());
            Assert.Equal(expectReduced ? 1 : before, torch.get_num_threads());
        }
        Assert.Equal(before, torch.get_num_threads());
        using (var gpu = TrainingThreads.Use(new Device(DeviceType.CUDA))) Assert.False(gpu.Reduced);
    }
}
