namespace AcqSeg.Models.Zoo;

/// <summary>What the zoo records of a weight file: the network's widths and its diameters.</summary>
public sealed record WeightsFacts(int[] Widths, double DiamMean, double DiamLabels);

/// <summary>
/// Reads <see cref="WeightsFacts"/> from a .pth. Implemented by the engine (it loads the network), so the zoo itself
/// stays free of TorchSharp. A file that is not a Cellpose network throws <see cref="ZooException"/>.
/// </summary>
public interface IWeightsInspector
{
    WeightsFacts Inspect(string weightsFile);
}
