using System.Buffers.Binary;
using System.Text.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.Imaging.Outputs;
using AcqSeg.TestSupport;
using SkiaSharp;

namespace AcqSeg.Cli.Tests;

/// <summary>`acqseg segment` on stacks (Z, T, ambiguous), --diameter-um and PNG/JPEG inputs, with the reference network.</summary>
public sealed class SegmentStackTests
{
    private static string Model => SharedData.Reference("cpnet_synth_e40.pth");

    /// <summary>The reference frame (float32) scaled to whole numbers 0..60000, so it can be stored as uint16 pages.</summary>
    private static ImageData Frame
    {
        get
        {
            var f = TiffReader.Read(SharedData.Reference("synth_256.tif"));
            float min = f.Data.Min(), max = f.Data.Max();
            return new ImageData(f.Data.Select(v => MathF.Round((v - min) / (max - min) * 60_000)).ToArray(), 1, f.Height, f.Width);
        }
    }

    private static LabelImage Plane(string path, int z, int t = 0) =>
        TiffReader.ReadLabels(path, new TiffReadOptions { PageMode = PageMode.Plane, Z = z, T = t });

    private static CliRun Segment(params string[] args) => CliRun.Of(["segment", .. args, "--model", Model, "--device", "cpu"]);

    /// <summary>plain.tif: the reference frame five times, no description (what tifffile.imwrite of a (5, Y, X) array
    /// without metadata gives, less its shape note).</summary>
    private static string FivePlainPages(TempFolder tmp)
    {
        var f = Frame;
        string input = tmp.File("plain.tif");
        PlainTiff.Write(input, [f, f, f, f, f]);
        return input;
    }

    [SkippableFact]
    public void Segment_UndeclaredFivePageTiff_IsRefusedNamingAxes_AndWritesNothing()
    {
        using var tmp = new TempFolder();
        var run = Segment(FivePlainPages(tmp));
        Assert.Equal(CliApp.InputFailed, run.ExitCode);
        Assert.Contains("plain.tif", run.Error);
        Assert.Contains("5 pages", run.Error);
        Assert.Contains("--axes ZYX", run.Error);
        Assert.Contains("--axes CYX", run.Error);
        Assert.False(File.Exists(tmp.File("plain_cp_masks.tif")));
    }

    [SkippableFact]
    public void Segment_AxesZyx_WritesAFivePageZLabelStack_WithLabelsUniqueAcrossPlanes()
    {
        using var tmp = new TempFolder();
        var run = Segment(FivePlainPages(tmp), "--axes", "ZYX", "--timings");
        Assert.True(run.ExitCode == 0, run.Error);

        string masks = tmp.File("plain_cp_masks.tif");
        var meta = TiffReader.ReadMetadata(masks);
        Assert.Equal((5, "ZYX", "ImageJ", 5), (meta.Pages, meta.Axes, meta.MetadataSource, meta.SizeZ));
        var first = Plane(masks, 0);
        int objects = first.CountObjects();
        Assert.True(objects > 5, $"{objects} objects in plane 0");
        for (int z = 1; z < 5; z++)
        {
            var plane = Plane(masks, z);
            // The same frame gives the same masks, numbered past every plane before it.
            Assert.Equal(first.Labels.Select(v => v == 0 ? 0 : v + z * first.MaxLabel), plane.Labels);
        }
        using var line = JsonDocument.Parse(run.Out.Trim());
        Assert.Equal(("ZYX", 5, objects * 5), (line.RootElement.GetProperty("axes").GetString(), line.RootElement.GetProperty("planes").GetInt32(),
            line.RootElement.GetProperty("objects").GetInt32()));
    }

    [SkippableFact]
    public void Segment_StitchThreshold_JoinsObjectsAcrossConsecutivePlanes_ButNotAcrossABlankPlane()
    {
        using var tmp = new TempFolder();
        var f = Frame;
        string input = tmp.File("z.tif");
        // ImageJ's own Z stack (images=5 alone means slices); the fourth plane is blank.
        PlainTiff.Write(input, [f, f, f, null, f], "ImageJ=1.54f\nimages=5\nslices=5\n");
        var run = Segment(input, "--stitch_threshold", "0.5");
        Assert.True(run.ExitCode == 0, run.Error);

        string masks = tmp.File("z_cp_masks.tif");
        var first = Plane(masks, 0);
        Assert.Equal(first.Labels, Plane(masks, 1).Labels);
        Assert.Equal(first.Labels, Plane(masks, 2).Labels);
        Assert.Equal(0, Plane(masks, 3).MaxLabel);
        var last = Plane(masks, 4);
        Assert.Equal(first.CountObjects(), last.CountObjects());
        Assert.Empty(last.Labels.Where(v => v != 0).Distinct().Intersect(first.Labels.Where(v => v != 0)));
    }

    [SkippableFact]
    public void Segment_OmeTimeSeries_WritesATStackReadPlaneByPlane()
    {
        using var tmp = new TempFolder();
        var f = Frame;
        string ome =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\"><Image ID=\"Image:0\">" +
            $"<Pixels ID=\"Pixels:0\" DimensionOrder=\"XYCZT\" Type=\"uint16\" SizeX=\"{f.Width}\" SizeY=\"{f.Height}\" SizeC=\"1\" SizeZ=\"1\" SizeT=\"3\" " +
            "PhysicalSizeX=\"0.5\" PhysicalSizeY=\"0.5\"><Channel ID=\"Channel:0:0\" SamplesPerPixel=\"1\"/><TiffData/></Pixels></Image></OME>";
        string input = tmp.File("series.ome.tif");
        PlainTiff.Write(input, [f, null, f], ome);
        var run = Segment(input, "--stitch-threshold", "0.5");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(run.Error.Contains("--stitch-threshold joins Z planes"), run.Error); // said, not silently ignored

        string masks = tmp.File("series.ome_cp_masks.tif");
        var meta = TiffReader.ReadMetadata(masks);
        Assert.Equal(("TYX", 1, 3), (meta.Axes, meta.SizeZ, meta.SizeT));
        Assert.Equal((0.5, "µm"), (meta.PixelSizeX!.Value, meta.PixelSizeUnit));
        var t0 = Plane(masks, 0, 0);
        Assert.True(t0.CountObjects() > 5);
        Assert.Equal(0, Plane(masks, 0, 1).MaxLabel);
        Assert.Equal(t0.Labels.Select(v => v == 0 ? 0 : v + t0.MaxLabel), Plane(masks, 0, 2).Labels);
    }

    [SkippableFact]
    public void Segment_TwoUndeclaredPagesWithChannelsChosen_AreTheImagesChannels_AsCellposeReadsThem()
    {
        using var tmp = new TempFolder();
        var f = Frame;
        string input = tmp.File("two.tif");
        PlainTiff.Write(input, [f, null]);
        Assert.Equal(CliApp.InputFailed, Segment(input).ExitCode); // gray of 2 pages: ambiguous
        var run = Segment(input, "--chan", "1", "--chan2", "2");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(1, TiffReader.ReadMetadata(tmp.File("two_cp_masks.tif")).Pages);
    }

    [SkippableFact]
    public void Segment_DiameterUm_IsConvertedWithTheFilesPixelSize_AndRefusedWithoutOne()
    {
        using var tmp = new TempFolder();
        var f = Frame;
        string calibrated = tmp.File("calibrated.tif");
        PlainTiff.Write(calibrated, [f], "ImageJ=1.54f\nimages=1\nunit=micron\n", pixelsPerUnit: 2.0); // 0.5 µm per pixel
        var run = Segment(calibrated, "--diameter-um", "15", "--timings");
        Assert.True(run.ExitCode == 0, run.Error);
        using (var line = JsonDocument.Parse(run.Out.Trim()))
        {
            Assert.Equal(30.0, line.RootElement.GetProperty("diameter").GetDouble(), 6);
            Assert.Equal("micrometres", line.RootElement.GetProperty("diameter_source").GetString());
        }
        var given = Segment(calibrated, "--diameter", "30", "--out", tmp.Sub("given"));
        Assert.True(given.ExitCode == 0, given.Error);
        Assert.Equal(TiffReader.ReadLabels(Path.Combine(tmp.Path, "given", "calibrated_cp_masks.tif")).Labels,
            TiffReader.ReadLabels(tmp.File("calibrated_cp_masks.tif")).Labels);

        string bare = tmp.File("bare.tif");
        PlainTiff.Write(bare, [f]);
        var refused = Segment(bare, "--diameter-um", "15");
        Assert.Equal(CliApp.InputFailed, refused.ExitCode);
        Assert.Contains("bare.tif", refused.Error);
        Assert.Contains("--diameter in pixels", refused.Error);

        var both = Segment(calibrated, "--diameter-um", "15", "--diameter", "30");
        Assert.Equal(CliApp.UsageError, both.ExitCode);
    }

    [SkippableFact]
    public void Segment_Png8Png16AndJpeg_FindTheTiffsObjects_AndAFolderSkipsMaskPngs()
    {
        using var tmp = new TempFolder();
        var f = Frame;
        string tiff = tmp.File("ref.tif");
        PlainTiff.Write(tiff, [f]);
        Assert.True(Segment(tiff, "--out", tmp.Sub("ref")).ExitCode == 0);
        var reference = TiffReader.ReadLabels(Path.Combine(tmp.Path, "ref", "ref_cp_masks.tif"));

        string images = tmp.Sub("images");
        float max = f.Data.Max();
        var gray8 = f.Data.Select(v => (byte)Math.Round(v / max * 255)).ToArray();
        PngEncoder.WriteGray(Path.Combine(images, "gray8.png"), gray8, f.Width, f.Height, 8);
        var gray16 = new byte[f.Data.Length * 2];
        for (int i = 0; i < f.Data.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(gray16.AsSpan(i * 2), (ushort)Math.Round(f.Data[i] / max * 65535));
        PngEncoder.WriteGray(Path.Combine(images, "gray16.png"), gray16, f.Width, f.Height, 16);
        using (var bitmap = new SKBitmap(new SKImageInfo(f.Width, f.Height, SKColorType.Gray8, SKAlphaType.Opaque)))
        {
            System.Runtime.InteropServices.Marshal.Copy(gray8, 0, bitmap.GetPixels(), gray8.Length);
            using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
            File.WriteAllBytes(Path.Combine(images, "photo.jpg"), jpeg.ToArray());
        }
        MaskPng.Write(Path.Combine(images, "old_cp_masks.png"), reference); // an earlier output: not an input

        var run = Segment(images, "--out", tmp.Sub("out"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(new[] { "gray16_cp_masks.tif", "gray8_cp_masks.tif", "photo_cp_masks.tif" },
            Directory.GetFiles(Path.Combine(tmp.Path, "out")).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray());
        foreach (var (name, least) in new[] { ("gray8", 0.95), ("gray16", 0.95), ("photo", 0.9) })
        {
            var masks = TiffReader.ReadLabels(Path.Combine(tmp.Path, "out", name + "_cp_masks.tif"));
            double ap = SegmentationMetrics.Evaluate(reference, masks).At(0.5).AveragePrecision;
            Assert.True(ap >= least, $"{name}: AP@0.5 {ap} against the TIFF's masks");
        }
    }
}
