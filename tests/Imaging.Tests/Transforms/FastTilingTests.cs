using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Imaging.Tests.Transforms;

public class FastTilingTests
{
    [Theory]
    [InlineData(528, 544, 32, 1, 528)]
    [InlineData(544, 544, 32, 1, 544)]
    [InlineData(1040, 544, 32, 2, 544)]
    [InlineData(2064, 544, 32, 4, 544)]
    [InlineData(8208, 544, 32, 16, 544)]
    public void Plan_FewestEqualTiles(int length, int maxTile, int overlap, int expectedCount, int expectedTile)
    {
        var (starts, tile) = FastTiling.Plan(length, maxTile, overlap);
        Assert.Equal(expectedCount, starts.Length);
        Assert.Equal(expectedTile, tile);
    }

    [Theory]
    [InlineData(600)]
    [InlineData(1040)]
    [InlineData(2064)]
    [InlineData(3000)]
    [InlineData(8208)]
    public void Plan_CoversTheAxisWithTheOverlapAndAlignedTiles(int length)
    {
        const int maxTile = 544, overlap = 32;
        var (starts, tile) = FastTiling.Plan(length, maxTile, overlap);
        Assert.True(tile <= maxTile);
        Assert.Equal(0, tile % FastTiling.Alignment);
        Assert.Equal(0, starts[0]);
        Assert.Equal(length - tile, starts[^1]);
        for (int i = 1; i < starts.Length; i++)
        {
            int shared = starts[i - 1] + tile - starts[i];
            Assert.True(shared >= overlap, $"tiles {i - 1} and {i} share {shared} pixels");
        }
    }

    [Fact]
    public void Plan_RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FastTiling.Plan(0, 544, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => FastTiling.Plan(1000, 500, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => FastTiling.Plan(1000, 544, 300));
    }
}
