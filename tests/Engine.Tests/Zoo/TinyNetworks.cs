using AcqSeg.Engine.Network;
using AcqSeg.TestSupport;
using TorchSharp;

namespace AcqSeg.Engine.Tests.Zoo;

/// <summary>The zoo tests' weights: a tiny seeded network (widths 2, 8, 16, 32, 64) saved in a temporary folder.</summary>
internal static class TinyNetworks
{
    public static readonly int[] Widths = [2, 8, 16, 32, 64];

    public static string Weights(TempFolder temp, string file, int seed, double diamMean)
    {
        using var net = CellposeNet.Seeded(seed, Widths, diamMean);
        string path = temp.File(file);
        CellposeWeights.Save(net, path);
        return path;
    }
}
