using AcqSeg.Engine.Sizing;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Engine.Tests.Sizing;

/// <summary>The size estimator's nearest-neighbour resize of label images (the size model file is in
/// Models.Tests/Sizing/SizeModelTests).</summary>
public sealed class NearestResizeTests
{
    [Fact]
    public void NearestResize_FollowsOpenCvsFloorRule()
    {
        var src = new LabelImage([1, 2, 3, 4], 2, 2);
        var up = NearestResize.Labels(src, 4, 3);
        // rows: floor(y * 2/4) = 0,0,1,1; columns: floor(x * 2/3) = 0,0,1
        Assert.Equal([1, 1, 2, 1, 1, 2, 3, 3, 4, 3, 3, 4], up.Labels);
        var down = NearestResize.Labels(new LabelImage(Enumerable.Range(1, 16).ToArray(), 4, 4), 2, 2);
        Assert.Equal([1, 3, 9, 11], down.Labels);
    }
}
