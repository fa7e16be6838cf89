using AcqSeg.Engine.Network;

namespace AcqSeg.Engine.Tests.Network;

public class NetworkFlopsTests
{
    [Fact]
    public void Count_StandardNetOn224Tile_Is31GFlop()
    {
        Assert.InRange(NetworkFlops.Count(224, 224) / 1e9, 30.95, 31.05);
    }

    [Fact]
    public void Count_ScalesWithPixels_AndShrinksWithANarrowerNet()
    {
        double tile = NetworkFlops.Count(224, 224);
        Assert.Equal(4 * tile, NetworkFlops.Count(448, 448), 6);
        double narrow = NetworkFlops.Count(224, 224, [2, 16, 32, 64, 128]);
        Assert.InRange(narrow / tile, 0.24, 0.26); // channel widths halved -> about a quarter of the work
    }
}
