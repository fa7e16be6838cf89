using AcqSeg.Imaging.Io;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>ImageJ and OME-XML descriptions fill <see cref="TiffMetadata"/> and drive (T, Z) plane selection.</summary>
public sealed class TiffMetadataTests
{
    private static void AssertPlaneIsPage(TiffLayout l, ImageData img, int channel, int page)
    {
        var plane = img.Channel(channel);
        for (int y = 0; y < l.Height; y += 7)
            for (int x = 0; x < l.Width; x += 5)
                Assert.True((float)TiffFixture.Value(l, page, 0, y, x) == plane[y * l.Width + x], $"channel {channel} is not page {page} at ({x}, {y})");
    }

    [Fact]
    public void Read_ImageJHyperstack_ParsesAxesSizesUnitAndSelectsPlanePages()
    {
        using var tmp = new TempFolder();
        const string description = "ImageJ=1.54f\nimages=24\nchannels=2\nslices=3\nframes=4\nhyperstack=true\nmode=composite\nunit=micron\nspacing=0.75\nloop=false\n";
        var layout = new TiffLayout("uint16", Pages: 24, Width: 11, Height: 9, Description: description, Resolution: 2.0);
        string path = tmp.File("hyper.tif");
        TiffFixture.Write(path, layout);

        var meta = TiffReader.ReadMetadata(path);
        Assert.Equal("TZCYX", meta.Axes);
        Assert.Equal((2, 3, 4), (meta.SizeC, meta.SizeZ, meta.SizeT));
        Assert.Equal("ImageJ", meta.MetadataSource);
        Assert.Equal(0.5, meta.PixelSizeX);
        Assert.Equal(0.5, meta.PixelSizeY);
        Assert.Equal(0.75, meta.PixelSizeZ);
        Assert.Equal("µm", meta.PixelSizeUnit);
        Assert.Equal(24, meta.Pages);

        // ImageJ order is TZC, channel fastest: (t=2, z=1) holds pages (2*3+1)*2 + c = 14, 15.
        var img = TiffReader.Read(path, new TiffReadOptions { PageMode = PageMode.Plane, T = 2, Z = 1 });
        Assert.Equal(2, img.Channels);
        AssertPlaneIsPage(layout, img, 0, 14);
        AssertPlaneIsPage(layout, img, 1, 15);

        Assert.Equal(24, TiffReader.Read(path).Channels); // Channels mode still reads every page
        var ex = Assert.Throws<TiffReadException>(() => TiffReader.Read(path, new TiffReadOptions { PageMode = PageMode.Plane, Z = 3 }));
        Assert.Equal(TiffErrorKind.BadDimensions, ex.Kind);
        Assert.Contains("hyper.tif", ex.Message);
    }

    [Fact]
    public void Read_ImageJZStackWithImagesOnly_TreatsPagesAsSlices()
    {
        using var tmp = new TempFolder();
        var layout = new TiffLayout("uint16", Pages: 5, Width: 8, Height: 6, Description: "ImageJ=1.11a\nimages=5\n");
        string path = tmp.File("zstack.tif");
        TiffFixture.Write(path, layout);
        var meta = TiffReader.ReadMetadata(path);
        Assert.Equal("ZYX", meta.Axes);
        Assert.Null(meta.PixelSizeX); // no resolution written
        var img = TiffReader.Read(path, new TiffReadOptions { PageMode = PageMode.Plane, Z = 4 });
        Assert.Equal(1, img.Channels);
        AssertPlaneIsPage(layout, img, 0, 4);
        var labels = TiffReader.ReadLabels(path, new TiffReadOptions { PageMode = PageMode.SinglePage, PageIndex = 1 });
        Assert.Equal((6, 8), (labels.Height, labels.Width));
    }

    [Theory]
    [InlineData("XYCZT", 2, 4, 5)] // Z slower than C: page = z*2 + c
    [InlineData("XYZCT", 2, 2, 5)] // C slower than Z: page = c*3 + z
    public void Read_OmeTiff_ParsesChannelNamesPhysicalSizeAndOrder(string order, int z, int page0, int page1)
    {
        using var tmp = new TempFolder();
        string ome =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" +
            "<OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\"><Image ID=\"Image:0\" Name=\"cells\">" +
            $"<Pixels ID=\"Pixels:0\" DimensionOrder=\"{order}\" Type=\"uint8\" SizeX=\"10\" SizeY=\"7\" SizeC=\"2\" SizeZ=\"3\" SizeT=\"1\" " +
            "PhysicalSizeX=\"0.65\" PhysicalSizeXUnit=\"µm\" PhysicalSizeY=\"0.66\" PhysicalSizeYUnit=\"µm\" PhysicalSizeZ=\"2\">" +
            "<Channel ID=\"Channel:0:0\" Name=\"DAPI\" SamplesPerPixel=\"1\"/><Channel ID=\"Channel:0:1\" Name=\"GFP\" SamplesPerPixel=\"1\"/>" +
            "<TiffData/></Pixels></Image></OME>";
        var layout = new TiffLayout("uint8", Pages: 6, Width: 10, Height: 7, Description: ome);
        string path = tmp.File("cells.ome.tif");
        TiffFixture.Write(path, layout);

        var meta = TiffReader.ReadMetadata(path);
        Assert.Equal("OME", meta.MetadataSource);
        Assert.Equal(order == "XYCZT" ? "ZCYX" : "CZYX", meta.Axes);
        Assert.Equal(new[] { "DAPI", "GFP" }, meta.ChannelNames);
        Assert.Equal((0.65, 0.66, 2.0), (meta.PixelSizeX!.Value, meta.PixelSizeY!.Value, meta.PixelSizeZ!.Value));
        Assert.Equal("µm", meta.PixelSizeUnit);

        var img = TiffReader.Read(path, new TiffReadOptions { PageMode = PageMode.Plane, Z = z });
        Assert.Equal(2, img.Channels);
        AssertPlaneIsPage(layout, img, 0, page0);
        AssertPlaneIsPage(layout, img, 1, page1);
        Assert.Equal(new[] { "DAPI", "GFP" }, img.Metadata.ChannelNames);
    }

    [Fact]
    public void Read_MalformedOmeXml_KeepsPixelsAndDropsMetadata()
    {
        using var tmp = new TempFolder();
        var layout = new TiffLayout("uint8", Pages: 2, Width: 5, Height: 4, Description: "<OME><Image><Pixels SizeC=\"2\"");
        string path = tmp.File("broken.ome.tif");
        TiffFixture.Write(path, layout);
        var img = TiffReader.Read(path);
        Assert.Equal(2, img.Channels);
        Assert.Null(img.Metadata.Axes);
    }

    [Theory]
    [InlineData(PageAxis.Z, 3, 0, 3)]
    [InlineData(PageAxis.Time, 0, 4, 4)]
    public void Read_PlainStackInPlaneMode_PicksPageAlongChosenAxis(PageAxis axis, int z, int t, int page)
    {
        using var tmp = new TempFolder();
        var layout = new TiffLayout("int16", Pages: 5, Width: 9, Height: 8);
        string path = tmp.File("plain.tif");
        TiffFixture.Write(path, layout);
        var img = TiffReader.Read(path, new TiffReadOptions { PageMode = PageMode.Plane, UndeclaredPageAxis = axis, Z = z, T = t });
        Assert.Equal(1, img.Channels);
        AssertPlaneIsPage(layout, img, 0, page);
        Assert.Null(img.Metadata.Axes);

        var wrongAxis = Assert.Throws<TiffReadException>(() =>
            TiffReader.Read(path, new TiffReadOptions { PageMode = PageMode.Plane, UndeclaredPageAxis = axis, Z = t, T = z + 1 }));
        Assert.Equal(TiffErrorKind.BadDimensions, wrongAxis.Kind);
    }

    [Fact]
    public void Read_CentimetreResolutionWithoutImageJ_GivesMicrometrePixelSize()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("res.tif");
        TiffFixture.Write(path, new TiffLayout("uint8", Resolution: 20_000, ResolutionUnit: ResUnit.CENTIMETER));
        var meta = TiffReader.ReadMetadata(path);
        Assert.Equal(0.5, meta.PixelSizeX!.Value, 9);
        Assert.Equal("µm", meta.PixelSizeUnit);
    }

    [Fact]
    public void Read_ConcurrentReadsOfGoodAndBadFiles_EachGetsItsOwnResult()
    {
        using var tmp = new TempFolder();
        var layout = new TiffLayout("uint16", Compression: Compression.ADOBE_DEFLATE);
        string good = tmp.File("good.tif");
        TiffFixture.Write(good, layout);
        var bytes = File.ReadAllBytes(good);
        string bad = tmp.File("bad.tif");
        File.WriteAllBytes(bad, bytes[..(bytes.Length / 2)]);
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 64, i =>
        {
            if (i % 2 == 0)
            {
                var img = TiffReader.Read(good);
                if (img.Data[5] != (float)TiffFixture.Value(layout, 0, 0, 0, 5)) errors.Add($"{i}: wrong value");
            }
            else
            {
                try { TiffReader.Read(bad); errors.Add($"{i}: bad file read"); }
                catch (TiffReadException e) when (e.Message.Contains("bad.tif")) { }
            }
        });
        Assert.Empty(errors);
    }
}
