using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Inference;

/// <summary>
/// The bf16 check's exact masks can come from the caller: the train worker scores a candidate by the exact path
/// (<see cref="FineTuning.Score"/>) and hands those masks to <see cref="Bf16Parity.Measure(CellposeModel, IReadOnlyList{ValueTuple{string, double?, LabelImage?}}, int, int, CancellationToken)"/>
/// instead of segmenting each held-back frame exactly a second time.
/// </summary>
[Collection(NetworkRunCollection.Name)]
public class Bf16ParityTests
{
    [SkippableFact]
    public void Score_GivesTheExactMasksAtTheTrueDiameter_AndMeasureWithThemMatchesMeasureAlone()
    {
        string weights = SharedData.Reference("cpnet_synth_e40.pth");
        string image = SharedData.Reference("synth_256.tif"), truth = SharedData.Reference("synth_256_cp_masks.tif");
        var scores = FineTuning.Score(weights, [(image, truth)], 0, 0, DeviceChoice.Cpu);

        var (masks, diameter, ap50) = Assert.Single(scores);
        var golden = TiffReader.ReadLabels(truth);
        Assert.Equal(TrainingData.Diameter(golden), diameter, 6);
        using var model = CellposeModel.Load(weights, DeviceChoice.Cpu);
        var exact = new FrameSegmenter(model).Segment(TiffReader.Read(image), new SegmentSettings { Diameter = diameter }).Masks;
        Assert.Equal(exact.Labels, masks.Labels);
        Assert.Equal(SegmentationMetrics.AveragePrecision(golden, exact), ap50, 12);
        Assert.Equal(ap50, FineTuning.MeanAp50(weights, [(image, truth)], 0, 0, DeviceChoice.Cpu), 12);

        var alone = Assert.Single(Bf16Parity.Measure(model, [(image, (double?)diameter)], 0, 0));
        var given = Assert.Single(Bf16Parity.Measure(model, [(image, (double?)diameter, (LabelImage?)masks)], 0, 0));
        Assert.Equal(alone, given);
        Assert.InRange(given.Ap50, 0.9, 1.0);
        // The given masks are what bf16 is scored against: none at all scores 0.
        var none = Assert.Single(Bf16Parity.Measure(model, [(image, (double?)diameter, (LabelImage?)new LabelImage(new int[masks.Labels.Length], masks.Height, masks.Width))], 0, 0));
        Assert.Equal(0.0, none.Ap50);
    }
}
