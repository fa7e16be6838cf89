using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>Which planes a file holds: declared ImageJ/OME axes, --axes for plain multi-page files, the ambiguous case refused.</summary>
public sealed class StackLayoutTests
{
    private const string Fix = "give --axes ZYX|TYX|CYX";

    private static StackLayout Resolve(string path, PageAxis? given = null, bool channelsNamed = false) =>
        StackLayout.Resolve(path, TiffReader.ReadMetadata(path), given, channelsNamed, Fix);

    [Fact]
    public void Resolve_UndeclaredFivePages_IsRefusedNamingTheAxesFlag()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("plain5.tif");
        TiffFixture.Write(path, new TiffLayout("uint16", Pages: 5, Width: 8, Height: 6));

        var ex = Assert.Throws<TiffReadException>(() => Resolve(path));
        Assert.Equal(TiffErrorKind.AmbiguousAxes, ex.Kind);
        Assert.Contains("plain5.tif", ex.Message);
        Assert.Contains("5 pages", ex.Message);
        Assert.Contains("--axes", ex.Message);
        // A channel chosen does not make 5 pages channels: --chan addresses R, G, B.
        Assert.Throws<TiffReadException>(() => Resolve(path, channelsNamed: true));
    }

    [Theory]
    [InlineData(PageAxis.Z, 1, 5, 1, "ZYX")]
    [InlineData(PageAxis.Time, 1, 1, 5, "TYX")]
    [InlineData(PageAxis.Channel, 5, 1, 1, "CYX")]
    public void Resolve_UndeclaredFivePagesWithAxes_ReadsThemAlongThatAxis(PageAxis axis, int c, int z, int t, string axes)
    {
        using var tmp = new TempFolder();
        string path = tmp.File("plain5.tif");
        var layout = new TiffLayout("uint16", Pages: 5, Width: 8, Height: 6);
        TiffFixture.Write(path, layout);

        var stack = Resolve(path, axis);
        Assert.Equal((c, z, t, axes), (stack.SizeC, stack.SizeZ, stack.SizeT, stack.Axes));
        Assert.Equal($"--axes {axes}", stack.Source);
        // The last plane is the last page alone (or, for channels, one plane of every page).
        var plane = TiffReader.Read(path, stack.PlaneOptions(z - 1, t - 1));
        Assert.Equal(c, plane.Channels);
        Assert.Equal((float)TiffFixture.Value(layout, 4, 0, 3, 2), plane.Channel(plane.Channels - 1)[3 * 8 + 2]);
    }

    [Fact]
    public void Resolve_TwoUndeclaredPages_AreChannelsOnlyWhenAChannelIsChosen()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("two.tif");
        TiffFixture.Write(path, new TiffLayout("uint8", Pages: 2, Width: 8, Height: 6));

        var channels = Resolve(path, channelsNamed: true);
        Assert.Equal((2, 1, "CYX"), (channels.SizeC, channels.Planes, channels.Axes));
        var ex = Assert.Throws<TiffReadException>(() => Resolve(path));
        Assert.Contains("--chan", ex.Message);
        Assert.Contains("--axes", ex.Message);
        Assert.Equal(2, Resolve(path, PageAxis.Z).SizeZ);
    }

    [Fact]
    public void Resolve_ImageJHyperstack_TakesZAndTFromTheDescription_AndRefusesAContradictingAxesFlag()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("hyper.tif");
        const string description = "ImageJ=1.54f\nimages=12\nchannels=2\nslices=3\nframes=2\nhyperstack=true\n";
        var layout = new TiffLayout("uint16", Pages: 12, Width: 8, Height: 6, Description: description);
        TiffFixture.Write(path, layout);

        var stack = Resolve(path);
        Assert.Equal((2, 3, 2, "TZCYX", "ImageJ"), (stack.SizeC, stack.SizeZ, stack.SizeT, stack.Axes, stack.Source));
        Assert.Equal(6, stack.Planes);
        var plane = TiffReader.Read(path, stack.PlaneOptions(2, 1)); // pages ((1*3)+2)*2 + c = 10, 11
        Assert.Equal(2, plane.Channels);
        Assert.Equal((float)TiffFixture.Value(layout, 11, 0, 0, 1), plane.Channel(1)[1]);

        var ex = Assert.Throws<TiffReadException>(() => Resolve(path, PageAxis.Z));
        Assert.Contains("--axes says ZYX", ex.Message);
        Assert.Contains("TZCYX", ex.Message);
    }

    [Fact]
    public void Resolve_OmeTimeSeries_IsATStack_ThatAgreesWithAxesTyx()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("series.ome.tif");
        string ome =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\"><Image ID=\"Image:0\">" +
            "<Pixels ID=\"Pixels:0\" DimensionOrder=\"XYCZT\" Type=\"uint8\" SizeX=\"8\" SizeY=\"6\" SizeC=\"1\" SizeZ=\"1\" SizeT=\"4\" " +
            "PhysicalSizeX=\"0.5\" PhysicalSizeY=\"0.5\"><Channel ID=\"Channel:0:0\" SamplesPerPixel=\"1\"/><TiffData/></Pixels></Image></OME>";
        TiffFixture.Write(path, new TiffLayout("uint8", Pages: 4, Width: 8, Height: 6, Description: ome));

        var stack = Resolve(path);
        Assert.Equal((1, 1, 4, "TYX", "OME"), (stack.SizeC, stack.SizeZ, stack.SizeT, stack.Axes, stack.Source));
        Assert.Equal(stack, Resolve(path, PageAxis.Time));
        Assert.Throws<TiffReadException>(() => Resolve(path, PageAxis.Channel));
    }

    [Fact]
    public void Resolve_SinglePage_IsOnePlaneWhateverTheAxesFlag()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("one.tif");
        TiffFixture.Write(path, new TiffLayout("uint8", Samples: 3, Photometric: BitMiracle.LibTiff.Classic.Photometric.RGB));
        var stack = Resolve(path, PageAxis.Z);
        Assert.False(stack.IsStack);
        Assert.Equal(3, TiffReader.Read(path, stack.PlaneOptions(0, 0)).Channels);
    }

    [Theory]
    [InlineData("zyx", true)]
    [InlineData("TYX", true)]
    [InlineData("CYX", true)]
    [InlineData("ZCYX", false)]
    [InlineData("XY", false)]
    public void TryParseAxes_AcceptsTheThreePlainLayouts(string text, bool ok) => Assert.Equal(ok, StackLayout.TryParseAxes(text, out _));
}
