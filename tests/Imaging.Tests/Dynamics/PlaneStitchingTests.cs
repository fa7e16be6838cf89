using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Tests.Dynamics;

/// <summary>Per-plane masks into one label stack: unique labels, or labels joined along Z by IoU as Cellpose's stitch3D.</summary>
public sealed class PlaneStitchingTests
{
    private const int Size = 20;

    /// <summary>A plane with one square object per (label, x0, y0, side).</summary>
    private static LabelImage Plane(params (int Label, int X, int Y, int Side)[] squares)
    {
        var labels = new int[Size * Size];
        foreach (var (label, x0, y0, side) in squares)
            for (int y = y0; y < y0 + side; y++)
                for (int x = x0; x < x0 + side; x++) labels[y * Size + x] = label;
        return new LabelImage(labels, Size, Size);
    }

    private static int LabelAt(LabelImage plane, int x, int y) => plane[y, x];

    [Fact]
    public void Join_WithoutStitching_ShiftsEachPlanesLabelsPastThePrevious()
    {
        var planes = new[] { Plane((1, 2, 2, 5), (2, 10, 10, 5)), Plane((1, 2, 2, 5)), Plane((1, 2, 2, 5), (3, 12, 2, 4)) };
        var joined = PlaneStitching.Join(planes, sizeZ: 3, stitchThreshold: 0);
        Assert.Equal(1, LabelAt(joined[0], 3, 3));
        Assert.Equal(2, LabelAt(joined[0], 11, 11));
        Assert.Equal(3, LabelAt(joined[1], 3, 3));
        Assert.Equal(4, LabelAt(joined[2], 3, 3));
        Assert.Equal(6, LabelAt(joined[2], 13, 3)); // label 3 shifted by the 3 labels used before
        Assert.Equal(0, LabelAt(joined[1], 11, 11));
    }

    [Fact]
    public void Join_WithStitching_JoinsAnObjectAcrossPlanes_AndNotDisjointOnes()
    {
        // An object drifting one pixel a plane (IoU 20/30 = 0.67 between neighbours), and one that jumps elsewhere.
        var planes = new[]
        {
            Plane((1, 2, 2, 5), (2, 12, 12, 4)),
            Plane((5, 3, 2, 5), (7, 2, 12, 4)),
            Plane((2, 4, 2, 5)),
        };
        var joined = PlaneStitching.Join(planes, sizeZ: 3, stitchThreshold: 0.5);
        Assert.Equal(1, LabelAt(joined[0], 4, 4));
        Assert.Equal(1, LabelAt(joined[1], 4, 4));
        Assert.Equal(1, LabelAt(joined[2], 5, 4));
        int moved = LabelAt(joined[1], 3, 13);
        Assert.NotEqual(2, moved); // disjoint from plane 0's second object: a new label
        Assert.Equal(3, moved);

        // Above the objects' IoU nothing joins.
        var strict = PlaneStitching.Join(planes, sizeZ: 3, stitchThreshold: 0.7);
        Assert.NotEqual(LabelAt(strict[0], 4, 4), LabelAt(strict[1], 4, 4));
    }

    [Fact]
    public void Join_WithStitching_TwoCandidates_OnlyTheBestMatchTakesThePreviousLabel()
    {
        // Plane 0's object is overlapped by two pieces in plane 1; the larger overlap keeps the label.
        var planes = new[] { Plane((1, 2, 2, 10)), Plane((1, 2, 2, 8), (2, 10, 2, 2)) };
        var joined = PlaneStitching.Join(planes, sizeZ: 2, stitchThreshold: 0.01);
        Assert.Equal(1, LabelAt(joined[1], 3, 3));
        Assert.Equal(2, LabelAt(joined[1], 10, 2));
    }

    [Fact]
    public void Join_WithStitching_NeverJoinsAcrossTimePoints()
    {
        var same = Plane((1, 2, 2, 6));
        var joined = PlaneStitching.Join([same, same, same, same], sizeZ: 2, stitchThreshold: 0.25);
        Assert.Equal(new[] { 1, 1, 2, 2 }, joined.Select(p => LabelAt(p, 3, 3)).ToArray());
    }

    [Fact]
    public void Join_EmptyPlaneBetween_GivesLaterObjectsNewLabels()
    {
        var planes = new[] { Plane((1, 2, 2, 5)), Plane(), Plane((1, 2, 2, 5)) };
        var joined = PlaneStitching.Join(planes, sizeZ: 3, stitchThreshold: 0.25);
        Assert.Equal(1, LabelAt(joined[0], 3, 3));
        Assert.Equal(2, LabelAt(joined[2], 3, 3)); // not a second object numbered 1
    }

    [Fact]
    public void Join_BadArguments_AreRefused()
    {
        var p = Plane((1, 2, 2, 5));
        Assert.Throws<ArgumentException>(() => PlaneStitching.Join([p, p, p], sizeZ: 2, stitchThreshold: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlaneStitching.Join([p], sizeZ: 1, stitchThreshold: 1.5));
    }
}
