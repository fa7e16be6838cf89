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

    [Fact]
    public void Bytes_ScaleWithPixels_AndTheConvolutionsAloneMoveLessThanHalf()
    {
        double tile = NetworkFlops.Bytes(224, 224), convolutions = NetworkFlops.Bytes(224, 224, convolutionsOnly: true);
        // Activations grow with the pixels, the weights (about 13 MB in bfloat16) do not.
        Assert.InRange(NetworkFlops.Bytes(448, 448) / tile, 3.9, 4.0);
        Assert.True(convolutions < tile / 2, $"convolutions {convolutions / 1e6:F0} MB of {tile / 1e6:F0} MB");
        // A 3x3 convolution of C channels does 18 C^2 FLOP a pixel on 4 C bytes of bfloat16 in and out: 4.5 C FLOP/byte,
        // so the whole network lies between its narrowest (32) and widest (256) level.
        Assert.InRange(NetworkFlops.Count(224, 224) / convolutions, 4.5 * 32, 4.5 * 256);
    }

    [Fact]
    public void Bytes_InFloat32_AreTwiceThoseInBFloat16()
    {
        Assert.Equal(2 * NetworkFlops.Bytes(544, 544), NetworkFlops.Bytes(544, 544, bytesPerValue: 4), 6);
    }
}
