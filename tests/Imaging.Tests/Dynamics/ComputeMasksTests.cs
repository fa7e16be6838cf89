using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Tests.Dynamics;

public sealed class ComputeMasksTests
{
    /// <summary>Network-style inputs for known masks: dP = 5 x unit flows (times <paramref name="flowScale"/>), cellprob per label.</summary>
    private static (float[] DY, float[] DX, float[] Cellprob) Inputs(LabelImage masks, Func<int, float> cellprobOfLabel, float flowScale = 1f)
    {
        var flows = MaskDynamics.FlowsFromMasks(masks);
        int n = masks.Labels.Length;
        var dy = new float[n];
        var dx = new float[n];
        var cp = new float[n];
        for (int i = 0; i < n; i++)
        {
            dy[i] = 5f * flowScale * flows.DY[i];
            dx[i] = 5f * flowScale * flows.DX[i];
            cp[i] = masks.Labels[i] > 0 ? cellprobOfLabel(masks.Labels[i]) : -6f;
        }
        return (dy, dx, cp);
    }

    private static MaskResult Run(TestMasks drawn, MaskOptions? options = null, Func<int, float>? cellprob = null, float flowScale = 1f)
    {
        var masks = drawn.Image();
        var (dy, dx, cp) = Inputs(masks, cellprob ?? (_ => 6f), flowScale);
        return MaskDynamics.ComputeMasks(dy, dx, cp, masks.Height, masks.Width, options);
    }

    [Fact]
    public void ComputeMasks_TwoDiscFlows_RecoverBothDiscsExactly()
    {
        var drawn = new TestMasks(40, 60).Disc(1, 18.3, 15.6, 9).Disc(2, 20.4, 42.3, 11);

        var result = Run(drawn);

        Assert.Equal(2, result.MasksBeforeQc);
        Assert.Equal(0, result.DroppedByFlowQc);
        Assert.Equal(drawn.Labels, result.Masks.Labels);
        Assert.All(result.FlowErrors, e => Assert.True(e < 1e-12, $"flow error {e} of an exactly recovered disc"));
    }

    [Fact]
    public void ComputeMasks_WithHigherCellprobThreshold_DropsDimObjects()
    {
        var drawn = new TestMasks(40, 60).Disc(1, 18.3, 15.6, 9).Disc(2, 20.4, 42.3, 11);
        Func<int, float> dimFirst = label => label == 1 ? 1f : 5f;

        var atDefault = Run(drawn, cellprob: dimFirst);
        var raised = Run(drawn, MaskOptions.Default with { CellprobThreshold = 2f }, dimFirst);

        Assert.Equal(2, atDefault.Count);
        Assert.Equal(1, raised.Count);
        for (int i = 0; i < drawn.Labels.Length; i++) Assert.Equal(drawn.Labels[i] == 2 ? 1 : 0, raised.Masks.Labels[i]);
    }

    [Fact]
    public void ComputeMasks_WeakFlows_AreRemovedByFlowQcAndKeptWhenQcIsOff()
    {
        // Flows at 0.3 of the unit length still converge, but each pixel's error is (1 - 0.3)^2 = 0.49 > 0.4.
        var drawn = new TestMasks(30, 30).Disc(1, 14.3, 14.6, 8);

        var checkedResult = Run(drawn, flowScale: 0.3f);
        var unchecked_ = Run(drawn, MaskOptions.Default with { FlowThreshold = 0 }, flowScale: 0.3f);

        Assert.Equal(1, checkedResult.MasksBeforeQc);
        Assert.Equal(1, checkedResult.DroppedByFlowQc);
        Assert.Equal(0, checkedResult.Count);
        Assert.True(checkedResult.FlowErrors[0] > 0.4, $"flow error {checkedResult.FlowErrors[0]}");
        Assert.Equal(1, unchecked_.Count);
        Assert.Equal(0, unchecked_.DroppedByFlowQc);
        Assert.Empty(unchecked_.FlowErrors);
    }

    [Fact]
    public void ComputeMasks_ObjectOverFortyPercentOfTheImage_IsDropped()
    {
        var big = new TestMasks(30, 30).Disc(1, 14.3, 14.6, 11.5);   // more than 360 of 900 pixels
        var fits = new TestMasks(30, 30).Disc(1, 14.3, 14.6, 10.5);  // fewer than 360
        Assert.True(big.Count(1) > 360 && fits.Count(1) < 360);

        Assert.Equal(0, Run(big).Count);
        Assert.Equal(fits.Labels, Run(fits).Masks.Labels);
    }

    [Fact]
    public void ComputeMasks_WithRaisedMinSize_DropsTheSmallObject()
    {
        var drawn = new TestMasks(40, 60).Disc(1, 18.3, 15.6, 4).Disc(2, 20.4, 42.3, 11);

        var result = Run(drawn, MaskOptions.Default with { MinSize = drawn.Count(1) + 1 });

        Assert.Equal(2, result.MasksBeforeQc);
        Assert.Equal(1, result.DroppedAsSmall);
        Assert.Equal(1, result.Count);
        for (int i = 0; i < drawn.Labels.Length; i++) Assert.Equal(drawn.Labels[i] == 2 ? 1 : 0, result.Masks.Labels[i]);
    }

    [Fact]
    public void ComputeMasks_NoPixelAboveCellprobThreshold_GivesNoMasks()
    {
        var drawn = new TestMasks(30, 30).Disc(1, 14.3, 14.6, 8);

        var result = Run(drawn, MaskOptions.Default with { CellprobThreshold = 10f });

        Assert.Equal(0, result.Count);
        Assert.Equal(0, result.MasksBeforeQc);
    }

    [Fact]
    public void ComputeMasks_FewerThanFiveMovingPixels_GivesNoMasks()
    {
        var dy = new float[100];
        var dx = new float[100];
        var cp = new float[100];
        Array.Fill(cp, 5f);
        for (int i = 0; i < 4; i++) dy[i] = 1f;

        var result = MaskDynamics.ComputeMasks(dy, dx, cp, 10, 10);

        Assert.Equal(4, result.MovingPixels);
        Assert.Equal(0, result.Count);
    }

    [Fact]
    public void ComputeMasks_WithoutInterpolation_RecoversTheSameDiscs()
    {
        var drawn = new TestMasks(40, 60).Disc(1, 18.3, 15.6, 9).Disc(2, 20.4, 42.3, 11);

        var result = Run(drawn, MaskOptions.Default with { Interp = false });

        Assert.Equal(drawn.Labels, result.Masks.Labels);
    }

    [Fact]
    public void ComputeMasks_InputsOfWrongLength_NameTheShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => MaskDynamics.ComputeMasks(new float[10], new float[12], new float[12], 3, 4));
        Assert.Contains("3x4", ex.Message);
    }

    [Theory]
    [InlineData(1.0, 200)]
    [InlineData(0.5, 400)]
    [InlineData(30.0 / 17.0, 113)]
    public void Iterations_FollowCellposeTruncatedTwoHundredOverRescale(double rescale, int expected)
    {
        Assert.Equal(expected, new MaskOptions { Rescale = rescale }.Iterations);
    }

    [Fact]
    public void Iterations_ExplicitNiter_OverridesRescale()
    {
        Assert.Equal(37, new MaskOptions { Rescale = 2, Niter = 37 }.Iterations);
    }
}
