using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.TestSupport;
using Xunit.Abstractions;

namespace AcqSeg.Imaging.Tests.Dynamics;

/// <summary>Cellpose's own flows and cellprob, rebuilt into masks here, against Cellpose's masks.</summary>
public sealed class RemaskParityTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("synth_256")]
    [InlineData("synth_512")]
    public void Remask_FromReferenceFlows_ReproducesCellposeMasksPixelForPixel(string name)
    {
        var dP = TiffReader.Read(SharedData.Reference(name + "_cp_dP.tif"));
        var cellprob = TiffReader.Read(SharedData.Reference(name + "_cp_cellprob.tif"));
        var expected = TiffReader.ReadLabels(SharedData.Reference(name + "_cp_masks.tif"));
        Assert.Equal(2, dP.Channels);

        var result = MaskDynamics.ComputeMasks(dP, cellprob);

        var scores = SegmentationMetrics.Evaluate(expected, result.Masks);
        int identical = 0;
        for (int i = 0; i < expected.Labels.Length; i++) if (expected.Labels[i] == result.Masks.Labels[i]) identical++;
        var at05 = scores.At(0.5);
        output.WriteLine($"{name}: expected {scores.TrueObjects} objects, got {scores.PredictedObjects}; clustered {result.MasksBeforeQc}, " +
                         $"flow QC dropped {result.DroppedByFlowQc}, small dropped {result.DroppedAsSmall}, max flow error {result.FlowErrors.Max():F4}");
        output.WriteLine($"AP@0.5 {at05.AveragePrecision}, matched IoU {at05.MeanMatchedIou:F6}, identical label pixels {identical}/{expected.Labels.Length}; " +
                         $"dynamics {result.DynamicsSeconds:F3}s, QC {result.QcSeconds:F3}s");
        Assert.Equal(1.0, at05.AveragePrecision);
        Assert.True(at05.MeanMatchedIou >= 0.99, $"mean matched IoU {at05.MeanMatchedIou}");
        // Numbering included: the clustering renumbers in Cellpose's order, so every pixel carries Cellpose's label.
        Assert.Equal(expected.Labels.Length, identical);
    }
}
