using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;
using AcqSeg.Models.Zoo;
using AcqSeg.SegmentWorker;
using AcqSeg.TestSupport;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

public sealed partial class SegmentFramesConsumerTests
{
    /// <summary>
    /// Weights with thresholds chosen for them (X_thresholds.json beside X.pth) are run at those thresholds, unless
    /// SegmentWorker sets its own: the masks written are the one-frame path's at the thresholds that apply.
    /// </summary>
    [SkippableTheory]
    [InlineData(null, 2.0f)]   // the chosen cell-probability threshold applies
    [InlineData("0", 0.0f)]    // SegmentWorker:CellprobThreshold set: it wins
    public async Task WeightsWithChosenThresholds_AreRunAtThem_UnlessTheWorkerSetsItsOwn(string? configured, float expectedCellprob)
    {
        string weights = Path.Combine(db.Folder, "chosen.pth");
        File.Copy(SharedData.Reference("cpnet_synth_e40.pth"), weights);
        new MaskThresholds { FlowThreshold = 0.4f, CellprobThreshold = 2.0f, ChosenBy = "this test" }.Save(MaskThresholds.PathBeside(weights));
        string m = UniqueModel("chosen");
        var settings = new Dictionary<string, string?> { [$"Models:Paths:{m}"] = weights };
        if (configured is not null) settings["SegmentWorker:CellprobThreshold"] = configured;
        await using var provider = Provider(weights, settings);
        var harness = await StartAsync(provider, minutes: 2);
        var frame = await StoreCopy("synth_256.tif", "chosen.tif", m);

        await harness.Bus.Publish(frame);

        var written = LabelFiles.Read((await AllSegmented(harness, [frame])).Single().MasksPath);
        using var model = CellposeModel.Load(weights, DeviceChoice.Cpu);
        var image = TiffReader.Read(frame.Path);
        var defaults = new SegmentWorkerOptions().ToSettings();
        var expected = new FrameSegmenter(model).Segment(image, defaults with { CellprobThreshold = expectedCellprob }).Masks;
        Assert.Equal(expected.Labels, written.Labels);
        // The two thresholds give different masks on this frame, so the comparison tells them apart.
        var other = new FrameSegmenter(model).Segment(image, defaults with { CellprobThreshold = 2.0f - expectedCellprob }).Masks;
        Assert.NotEqual(other.Labels, written.Labels);
    }
}
