using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Imaging.Io;
using AcqSeg.Models.Zoo;

namespace AcqSeg.Engine.Zoo;

/// <summary>The zoo's questions that need the network: a weight file's widths and diameters, and an image's style.</summary>
public sealed class ZooNetwork : IWeightsInspector
{
    public static readonly ZooNetwork Instance = new();

    public WeightsFacts Inspect(string weightsFile)
    {
        try
        {
            using var net = CellposeWeights.LoadNetwork(weightsFile);
            return new WeightsFacts(net.Widths.ToArray(), net.DiamMean, net.DiamLabels);
        }
        catch (ModelFileException ex)
        {
            throw new ZooException(ex.Message, ex);
        }
    }

    /// <summary>The style the suggestion compares: the reference network's style at the given diameter.</summary>
    public static float[] StyleOf(CellposeModel reference, ImageData image, int chan = 0, int chan2 = 0, double? diameter = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference.Run(image, new EvalSettings { Channel = chan, Channel2 = chan2, Diameter = diameter, Resample = false }).Style;
    }

    /// <summary>A zoo folder that can also add weights.</summary>
    public static ModelZoo Open(string root) => new(root, Instance);
}
