using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

public class SynthCommandTests
{
    [Theory]
    [InlineData("nuclei", 8, false, 1, "uint8")]
    [InlineData("cyto", 16, false, 2, "uint16")]
    [InlineData("cyto", 16, true, 1, "uint16")]
    [InlineData("phase", 32, false, 1, "float32")]
    [InlineData("brightfield", 8, false, 3, "uint8")]
    [InlineData("brightfield", 32, false, 3, "float32")]
    public void Synth_WritesPairsThatReadBackAsTheGeneratedFrames(string style, int bits, bool noNuclear, int channels, string sampleType)
    {
        using var tmp = new TempFolder();
        var args = new List<string> { "synth", "--style", style, "--count", "2", "--out", tmp.Path, "--size", "64", "--diameter", "12", "--bit-depth", bits.ToString(), "--seed", "3" };
        if (noNuclear) args.Add("--no-nuclear-channel");
        var run = CliRun.Of(args.ToArray());
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(4, Directory.GetFiles(tmp.Path).Length);

        for (int i = 0; i < 2; i++)
        {
            var expected = SyntheticFrames.Generate(new SynthSettings
            {
                Style = Enum.Parse<SynthStyle>(style, ignoreCase: true), Height = 64, Width = 64, Diameter = 12, BitDepth = bits,
                NuclearChannel = !noNuclear, Seed = Seeds.Mix(3, i, 13),
            });
            string stem = Path.Combine(tmp.Path, $"synth_{style}_{i:0000}");
            var image = TiffReader.Read(stem + "_img.tif");
            Assert.Equal((channels, 64, 64), (image.Channels, image.Height, image.Width));
            Assert.Equal(sampleType, image.Metadata.SampleType);
            Assert.Equal(expected.Image.Data, image.Data);
            var masks = TiffReader.ReadLabels(stem + "_masks.tif");
            Assert.Equal(expected.Masks.Labels, masks.Labels);
            Assert.True(masks.CountObjects() > 0);
        }
        Assert.Equal(2, TrainingData.FindPairs(tmp.Path).Count);
    }

    [Fact]
    public void Synth_NucleiInCells_WritesGrayFramesWhoseMasksHoldTheNucleiOnly()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("synth", "--style", "nuclei-in-cells", "--count", "1", "--out", tmp.Path, "--size", "128", "--diameter", "10",
            "--cell-scale", "4", "--density", "0.5", "--seed", "3");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("nuclei-in-cells frames", run.Out);
        var expected = SyntheticFrames.Generate(new SynthSettings
        {
            Style = SynthStyle.NucleiInCells, Height = 128, Width = 128, Diameter = 10, CellScale = 4, Density = 0.5, Seed = Seeds.Mix(3, 0, 13),
        });
        var masks = TiffReader.ReadLabels(Path.Combine(tmp.Path, "synth_nuclei_in_cells_0000_masks.tif"));
        Assert.Equal(expected.Masks.Labels, masks.Labels);
        Assert.InRange(TrainingData.Diameter(masks), 8, 12);

        // Cells 4x the nuclei do not fit twice into a 64-pixel frame: the error names the options to change.
        var tooSmall = CliRun.Of("synth", "--style", "nuclei-in-cells", "--count", "1", "--out", tmp.Path, "--size", "64", "--diameter", "10");
        Assert.Equal(CliApp.UsageError, tooSmall.ExitCode);
        Assert.Contains("--cell-scale", tooSmall.Error);
        Assert.Contains("do not fit", tooSmall.Error);
    }

    [Theory]
    [InlineData("--style", "fluorescent", "--style")]
    [InlineData("--bit-depth", "12", "--bit-depth")]
    [InlineData("--diameter", "200", "--diameter")]
    [InlineData("--count", "0", "--count")]
    [InlineData("--brightness-range", "0.5", "--brightness-range")]
    [InlineData("--nucleoli", "9", "--nucleoli")]
    [InlineData("--cell-scale", "20", "--cell-scale")]
    public void Synth_BadValue_IsAUsageErrorNamingTheOption(string option, string value, string named)
    {
        using var tmp = new TempFolder();
        var args = new Dictionary<string, string> { ["--style"] = "nuclei", ["--count"] = "1", ["--out"] = tmp.Path, ["--size"] = "64" };
        args[option] = value;
        var run = CliRun.Of(["synth", .. args.SelectMany(kv => new[] { kv.Key, kv.Value })]);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(named, run.Error);
    }
}
