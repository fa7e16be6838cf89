using System.Text.Json;
using AcqSeg.Models.Sizing;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

/// <summary>`segment --diameter 0 --estimate-once`: one size-model estimate per folder, reused by its like images (issue 23).</summary>
public class EstimateOnceTests
{
    [SkippableFact]
    public void EstimateOnce_TwoFolders_EachEstimatesItsFirstImage_AndItsLikeImagesReuseIt()
    {
        using var tmp = new TempFolder();
        string weights = tmp.File("w.pth");
        File.Copy(SharedData.Reference("cpnet_synth_e40.pth"), weights);
        // A constant size model (A = 0) beside the weights: the style says 20 px, the refining passes measure the image.
        new SizeModel(new float[256], new float[256], 30, Math.Log(20.0 / 30.0)).Save(tmp.File("w_size.json"));
        string a = tmp.Sub("a"), b = tmp.Sub("b");
        foreach (string file in new[] { Path.Combine(a, "t1.tif"), Path.Combine(a, "t2.tif"), Path.Combine(b, "t1.tif") })
            File.Copy(SharedData.Reference("synth_256.tif"), file);

        var run = CliRun.Of("segment", a, b, "--model", weights, "--diameter", "0", "--estimate-once", "--timings", "--out", tmp.Sub("out"), "--device", "cpu");
        Assert.True(run.ExitCode == 0, run.Error);

        var lines = run.Out.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        string Source(int i) => lines[i].GetProperty("diameter_source").GetString()!;
        string? Reason(int i) => lines[i].GetProperty("estimate_reason").GetString();
        Assert.Equal(3, lines.Count);
        Assert.Equal(("size_model", "reused", "size_model"), (Source(0), Source(1), Source(2)));
        Assert.StartsWith("first_frame", Reason(0));
        Assert.Null(Reason(1));
        Assert.StartsWith("first_frame", Reason(2));
        Assert.Equal(lines[0].GetProperty("diameter").GetDouble(), lines[1].GetProperty("diameter").GetDouble());
        Assert.True(lines[0].GetProperty("size_estimate").GetDouble() > 0);
        Assert.Equal(0, lines[1].GetProperty("size_estimate").GetDouble());
    }

    [SkippableFact]
    public void BenchEstimate_PrintsEachImageBothWays_AndPerFolderTheEstimatesShareAndAp()
    {
        using var tmp = new TempFolder();
        string weights = tmp.File("w.pth");
        File.Copy(SharedData.Reference("cpnet_synth_e40.pth"), weights);
        new SizeModel(new float[256], new float[256], 30, Math.Log(20.0 / 30.0)).Save(tmp.File("w_size.json"));
        string frames = tmp.Sub("frames");
        Assert.Equal(0, CliRun.Of("synth", "--style", "nuclei", "--count", "2", "--out", frames, "--size", "160", "--diameter", "22", "--seed", "3").ExitCode);

        var run = CliRun.Of("bench", "--model", weights, "--estimate", frames, "--device", "cpu");
        Assert.True(run.ExitCode == 0, run.Error);

        var rows = run.Out.Split('\n').Where(l => l.StartsWith("| frames |", StringComparison.Ordinal)).Select(l => l.Split('|').Select(c => c.Trim()).ToArray()).ToList();
        // Two image rows (every image: estimated; once per folder: estimated, then reused) and two summary rows.
        var images = rows.Where(r => r[2].Contains("synth_nuclei", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, images.Count);
        Assert.Equal(("size_model", "reused"), (images[0][8], images[1][8]));
        var every = Assert.Single(rows, r => r[2] == "every image");
        var once = Assert.Single(rows, r => r[2] == "once per folder");
        Assert.Equal(("2", "1"), (every[4], once[4]));
        Assert.EndsWith("%", once[7]);
        Assert.Equal("-", every[9]); // no reused frame: no series length
        Assert.True(int.Parse(once[10], System.Globalization.CultureInfo.InvariantCulture) >= 1, run.Out);
        Assert.True(double.Parse(once[11], System.Globalization.CultureInfo.InvariantCulture) > 0.5, run.Out);
        Assert.Contains("load average", run.Out);
    }

    [Theory]
    [InlineData("--diameter 30 --estimate-once", "give --diameter 0")]
    [InlineData("--diameter 0 --estimate-once --reestimate-style-distance 0", "--reestimate-style-distance 0")]
    [InlineData("--diameter 0 --estimate-once --reestimate-diameter-change -1", "--reestimate-diameter-change -1")]
    [InlineData("--diameter 0 --reestimate-diameter-change 0.5", "add --estimate-once")]
    public void EstimateOnceOptions_Misused_AreUsageErrorsNamingTheFix(string options, string named)
    {
        using var tmp = new TempFolder();
        File.Copy(SharedData.Reference("synth_256.tif"), tmp.File("f.tif"));
        var run = CliRun.Of(["segment", tmp.File("f.tif"), "--model", SharedData.Reference("cpnet_synth_e40.pth"), "--device", "cpu", .. options.Split(' ')]);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(named, run.Error);
    }
}
