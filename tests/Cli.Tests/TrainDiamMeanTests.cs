using AcqSeg.Engine.Zoo;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

/// <summary>`train --diam-mean` with `--pretrained`: the given scale is used and recorded (it was silently ignored).</summary>
public class TrainDiamMeanTests
{
    private static string[] Train(string zoo, string name, string data, params string[] more) =>
        ["train", "--dir", data, "--licence", "CC0-1.0", "--epochs", "1", "--widths", "2,8,16,32,64", "--name", name, "--out", Path.Combine(zoo, name),
            "--device", "cpu", "--checkpoint-every", "100", "--norm-crops", "0", "--schedule", "online", .. more];

    [Fact]
    public void FineTuning_WithDiamMean_RescalesToIt_WithoutIt_KeepsThePretrainedOne()
    {
        using var tmp = new TempFolder();
        string data = tmp.Sub("data");
        for (int i = 0; i < 2; i++)
        {
            var f = SyntheticFrames.Generate(new SynthSettings { Style = SynthStyle.Nuclei, Height = 96, Width = 96, Diameter = 16, Density = 0.3, Seed = 70 + i });
            TiffWriter.WriteImage(Path.Combine(data, $"n{i}_img.tif"), f.Image, 8);
            TiffWriter.WriteLabels(Path.Combine(data, $"n{i}_masks.tif"), f.Masks);
        }
        string zoo = tmp.Sub("models");
        Assert.Equal(0, CliRun.Of(Train(zoo, "base", data, "--diam-mean", "20")).ExitCode);
        string basePth = Path.Combine(zoo, "base", "model.pth");

        var rescaled = CliRun.Of(Train(zoo, "wide", data, "--pretrained", basePth, "--diam-mean", "32"));
        Assert.True(rescaled.ExitCode == 0, rescaled.Error);
        Assert.Contains("diam_mean 20 -> 32", rescaled.Out);
        var kept = CliRun.Of(Train(zoo, "same", data, "--pretrained", basePth));
        Assert.True(kept.ExitCode == 0, kept.Error);
        Assert.DoesNotContain("diam_mean 20 ->", kept.Out);

        var zooNet = ZooNetwork.Open(zoo);
        Assert.Equal(20, zooNet.Manifest("base").CurrentVersion.DiamMean, 3);
        Assert.Equal(32, zooNet.Manifest("wide").CurrentVersion.DiamMean, 3);
        Assert.Equal(20, zooNet.Manifest("same").CurrentVersion.DiamMean, 3);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void DiamMean_NotPositive_IsAUsageError(string value)
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of(Train(tmp.Sub("models"), "m", tmp.Sub("data"), "--diam-mean", value));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--diam-mean {value}", run.Error);
    }
}
