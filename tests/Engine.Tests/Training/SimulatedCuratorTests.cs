using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Training;

public class SimulatedCuratorTests
{
    private static LabelImage Squares(params (int Label, int Top, int Left, int Size)[] squares) => TestLabels.Squares(20, 20, squares);

    [Fact]
    public void Correct_KeepsMatchedPredictions_DrawsMissedTruth_DeletesFalsePositives()
    {
        var truth = Squares((1, 0, 0, 5), (2, 10, 10, 5), (3, 0, 14, 4));
        // Object 7 matches truth 1 with a slightly different shape; 8 is a false positive; truth 2 and 3 are missed.
        var pred = Squares((7, 0, 0, 4), (8, 15, 0, 4));
        var c = SimulatedCurator.Correct(truth, pred);
        Assert.Equal((1, 2, 1), (c.Kept, c.Drawn, c.Removed));
        Assert.Equal(3, c.Corrected.CountObjects());
        Assert.NotEqual(0, c.Corrected[0, 0]);
        Assert.Equal(0, c.Corrected[4, 4]); // the accepted prediction keeps its own (smaller) shape
        Assert.Equal(0, c.Corrected[16, 1]); // false positive gone
        Assert.NotEqual(0, c.Corrected[12, 12]); // drawn by hand
    }

    [Fact]
    public void Correct_DrawnObjectsNeverOverwriteAcceptedOnes()
    {
        var truth = Squares((1, 0, 0, 10), (2, 5, 5, 10)); // truth 2 painted over part of 1
        var pred = Squares((4, 0, 0, 10));                 // matches truth 1 (IoU 75/100), overlaps truth 2's corner
        var c = SimulatedCurator.Correct(truth, pred);
        Assert.Equal(1, c.Drawn);
        int accepted = c.Corrected[7, 7];
        Assert.Equal(c.Corrected[0, 0], accepted);
        Assert.NotEqual(accepted, c.Corrected[12, 12]);
    }

    [Fact]
    public void Correct_PerfectPrediction_NeedsNoManualRois()
    {
        var truth = Squares((1, 0, 0, 5), (2, 10, 10, 5));
        var c = SimulatedCurator.Correct(truth, truth);
        Assert.Equal((2, 0, 0), (c.Kept, c.Drawn, c.Removed));
    }

    [Fact]
    public void Correct_RedrawBelow_RedrawsLooseOutlinesByHand_AndCountsThemManual()
    {
        var truth = Squares((1, 0, 0, 5), (2, 10, 10, 5));
        // 7 matches truth 1 loosely (IoU 16/25 = 0.64), 9 matches truth 2 exactly.
        var pred = Squares((7, 0, 0, 4), (9, 10, 10, 5));
        var lenient = SimulatedCurator.Correct(truth, pred);
        Assert.Equal((2, 0, 0, 0), (lenient.Kept, lenient.Drawn, lenient.Removed, lenient.Redrawn));

        var strict = SimulatedCurator.Correct(truth, pred, redrawBelow: 0.75);
        Assert.Equal((1, 1, 0, 1), (strict.Kept, strict.Drawn, strict.Removed, strict.Redrawn));
        Assert.NotEqual(0, strict.Corrected[4, 4]); // the true outline, drawn again
        Assert.Equal(strict.Corrected[0, 0], strict.Corrected[4, 4]);
        Assert.Equal(2, strict.Corrected.CountObjects());
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(1.2)]
    public void CheckRedrawBelow_OutsideZeroOrAboveMatchThreshold_NamesTheOption(double value)
    {
        var message = SimulatedCurator.CheckRedrawBelow(value, "--redraw-below");
        Assert.NotNull(message);
        Assert.Contains("--redraw-below", message);
        Assert.Null(SimulatedCurator.CheckRedrawBelow(0, "--redraw-below"));
        Assert.Null(SimulatedCurator.CheckRedrawBelow(0.75, "--redraw-below"));
    }
}
