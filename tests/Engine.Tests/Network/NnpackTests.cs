using AcqSeg.Engine.Network;

namespace AcqSeg.Engine.Tests.Network;

/// <summary>NNPACK is off once a network exists, so libtorch never initialises it and never prints "Could not
/// initialize NNPACK!" on CPUs it does not support (issue 22, item 6).</summary>
public class NnpackTests
{
    [Fact]
    public void BuildingANetwork_TurnsLibtorchsNnpackSwitchOff()
    {
        using var net = new CellposeNet([2, 8, 16, 32, 64]);

        // libtorch's own answer: on by default, so this fails unless the network turned it off.
        Assert.False(Nnpack.IsEnabled());
        Assert.Null(Nnpack.Disable());
    }
}
