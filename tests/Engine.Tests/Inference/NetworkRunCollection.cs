using AcqSeg.Engine.Inference;
using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Inference;

/// <summary>Tests that run the full network share this collection so xunit runs them sequentially.</summary>
[CollectionDefinition(Name)]
public sealed class NetworkRunCollection
{
    public const string Name = "Cellpose network runs";

    /// <summary>Cellpose's reference weights (../shared/reference/cellpose-v2) on the CPU.</summary>
    public static CellposeModel LoadReference() => CellposeModel.Load(SharedData.Reference("cpnet_synth_e40.pth"), DeviceChoice.Cpu);
}
