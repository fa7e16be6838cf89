using AcqSeg.Imaging.Io;
using AcqSeg.TestSupport;
using BitMiracle.LibTiff.Classic;

namespace AcqSeg.Imaging.Tests.Io;

public sealed class TiffWriterTests
{
    private static (int Bits, Compression Compression, SampleFormat Format, string? Description, int Pages) Tags(string path)
    {
        using var t = Tiff.Open(path, "r");
        var d = t.GetField(TiffTag.IMAGEDESCRIPTION);
        return (t.GetField(TiffTag.BITSPERSAMPLE)[0].ToInt(), (Compression)t.GetField(TiffTag.COMPRESSION)[0].ToInt(),
            (SampleFormat)t.GetField(TiffTag.SAMPLEFORMAT)[0].ToInt(), d?[0].ToString(), t.NumberOfDirectories());
    }

    [Fact]
    public void WriteLabels_UpTo65535_RoundTripsAsDeflateUint16()
    {
        using var tmp = new TempFolder();
        const int h = 41, w = 53;
        var rng = new Random(7);
        var labels = new int[h * w];
        for (int i = 0; i < labels.Length; i++) labels[i] = rng.Next(4) == 0 ? 0 : rng.Next(1, 65536);
        labels[5] = 65535;
        string path = tmp.File("masks.tif");
        TiffWriter.WriteLabels(path, new LabelImage(labels, h, w));
        var back = TiffReader.ReadLabels(path);
        Assert.Equal(labels, back.Labels);
        var tags = Tags(path);
        Assert.Equal((16, Compression.ADOBE_DEFLATE, SampleFormat.UINT), (tags.Bits, tags.Compression, tags.Format));
        Assert.Equal("uint16", TiffReader.Read(path).Metadata.SampleType);
    }

    [Fact]
    public void WriteLabels_Above65535Objects_RoundTripsAsDeflateUint32()
    {
        using var tmp = new TempFolder();
        const int h = 300, w = 300;
        var labels = new int[h * w];
        for (int i = 0; i < labels.Length; i++) labels[i] = i + 1; // 90,000 objects
        string path = tmp.File("many.tif");
        TiffWriter.WriteLabels(path, new LabelImage(labels, h, w));
        var back = TiffReader.ReadLabels(path);
        Assert.Equal(labels, back.Labels);
        Assert.Equal(90_000, back.CountObjects());
        var tags = Tags(path);
        Assert.Equal((32, Compression.ADOBE_DEFLATE), (tags.Bits, tags.Compression));
    }

    [Fact]
    public void WriteLabels_NegativeLabel_IsRejected()
    {
        using var tmp = new TempFolder();
        var ex = Assert.Throws<ArgumentException>(() => TiffWriter.WriteLabels(tmp.File("neg.tif"), new LabelImage(new[] { 0, -3, 1, 2 }, 2, 2)));
        Assert.Contains("-3", ex.Message);
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void WriteFloatPages_ThreePlanes_RoundTripExactlyWithImageJChannelDescription()
    {
        using var tmp = new TempFolder();
        const int h = 29, w = 31;
        var rng = new Random(3);
        var planes = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, h * w).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray()).ToArray();
        planes[1][0] = float.NaN;
        planes[2][1] = -0f;
        string path = tmp.File("flows.tif");
        TiffWriter.WriteFloatPages(path, planes, h, w);

        var img = TiffReader.Read(path);
        Assert.Equal((3, h, w), (img.Channels, img.Height, img.Width));
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < h * w; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(planes[c][i]), BitConverter.SingleToInt32Bits(img.Channel(c)[i]));

        var tags = Tags(path);
        Assert.Equal((32, Compression.ADOBE_DEFLATE, SampleFormat.IEEEFP, 3), (tags.Bits, tags.Compression, tags.Format, tags.Pages));
        Assert.NotNull(tags.Description);
        Assert.StartsWith("ImageJ=", tags.Description);
        Assert.Contains("images=3\n", tags.Description);
        Assert.Contains("channels=3\n", tags.Description);
        Assert.Equal("ImageJ", img.Metadata.MetadataSource);
        Assert.Equal("CYX", img.Metadata.Axes);
        // As a hyperstack the pages are the channels of plane (0, 0).
        Assert.Equal(3, TiffReader.Read(path, new TiffReadOptions { PageMode = PageMode.Plane }).Channels);
    }

    [Fact]
    public void WriteFloatPages_SinglePlane_HasNoDescriptionAndLeavesNoTemporaryFile()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("cellprob.tif");
        File.WriteAllText(path, "old content is replaced");
        TiffWriter.WriteFloatPages(path, new[] { new float[] { 1, 2, 3, 4, 5, 6 } }, 2, 3);
        Assert.Null(Tags(path).Description);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, TiffReader.Read(path).Data);
        Assert.Equal(new[] { path }, Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void WriteLabelStack_TzStack_IsAnImageJHyperstackReadBackPlaneByPlane_WithItsCalibration()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("stack_cp_masks.tif");
        // T=2 x Z=3, plane (z, t) at t * 3 + z holding the label 100 * t + z + 1 in one pixel.
        var planes = Enumerable.Range(0, 6).Select(k =>
        {
            var labels = new int[4 * 5];
            labels[k] = 100 * (k / 3) + k % 3 + 1;
            return new LabelImage(labels, 4, 5);
        }).ToArray();
        TiffWriter.WriteLabelStack(path, planes, sizeZ: 3, sizeT: 2, new StackCalibration(0.5, 0.5, 2.0));

        var meta = TiffReader.ReadMetadata(path);
        Assert.Equal(("TZYX", "ImageJ", 6), (meta.Axes, meta.MetadataSource, meta.Pages));
        Assert.Equal((1, 3, 2), (meta.SizeC, meta.SizeZ, meta.SizeT));
        Assert.Equal((0.5, 0.5, 2.0, "µm"), (meta.PixelSizeX!.Value, meta.PixelSizeY!.Value, meta.PixelSizeZ!.Value, meta.PixelSizeUnit));
        Assert.Contains("max=103", Tags(path).Description);
        for (int k = 0; k < 6; k++)
        {
            var plane = TiffReader.ReadLabels(path, new TiffReadOptions { PageMode = PageMode.Plane, Z = k % 3, T = k / 3 });
            Assert.Equal(planes[k].Labels, plane.Labels);
        }
    }

    [Fact]
    public void WriteLabelStack_LabelsPast65535_AreWritten32Bit()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("many.tif");
        var planes = new[] { new LabelImage([0, 70_000], 1, 2), new LabelImage([1, 0], 1, 2) };
        TiffWriter.WriteLabelStack(path, planes, sizeZ: 2, sizeT: 1);
        Assert.Equal(32, Tags(path).Bits);
        Assert.Null(TiffReader.ReadMetadata(path).PixelSizeX);
        Assert.Equal(70_000, TiffReader.ReadLabels(path, new TiffReadOptions { PageMode = PageMode.Plane, Z = 0 }).Labels[1]);
        Assert.Throws<ArgumentException>(() => TiffWriter.WriteLabelStack(path, planes, sizeZ: 3, sizeT: 1));
    }

    [SkippableFact]
    public void Read_ReferenceFlows_AreTwoFloatChannels()
    {
        string path = SharedData.Reference("synth_256_cp_dP.tif");
        var img = TiffReader.Read(path);
        Assert.Equal((2, 256, 256), (img.Channels, img.Height, img.Width));
        Assert.Equal("float32", img.Metadata.SampleType);
        var masks = TiffReader.ReadLabels(SharedData.Reference("synth_256_cp_masks.tif"));
        Assert.Equal((256, 256), (masks.Height, masks.Width));
        Assert.True(masks.MaxLabel > 0);
    }
}
