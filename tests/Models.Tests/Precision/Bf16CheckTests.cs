using AcqSeg.Models.Precision;
using AcqSeg.Models.Zoo;
using AcqSeg.TestSupport;

namespace AcqSeg.Models.Tests.Precision;

public class Bf16CheckTests
{
    private static Bf16Check CheckFor(string weights, double min) => new()
    {
        WeightsSha256 = ModelSuggester.Sha256(weights), MinAp50 = min, MeanAp50 = Math.Max(min, 0.995), Images = 12,
        Folders = ["../shared/data/train/x"], LowestImage = "a.tif", Measured = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void Beside_NoFile_IsNotAllowed_AndSaysHowToMakeOne()
    {
        using var tmp = new TempFolder();
        string weights = tmp.File("model.pth");
        File.WriteAllBytes(weights, [1, 2, 3]);
        var (check, allowed, reason) = Bf16Check.Beside(weights);
        Assert.Null(check);
        Assert.False(allowed);
        Assert.Contains("acqseg zoo parity", reason);
        Assert.Equal(tmp.File("bf16.json"), Bf16Check.PathBeside(weights));
        Assert.Equal(tmp.File("mine_bf16.json"), Bf16Check.PathBeside(tmp.File("mine.pth")));
    }

    [Fact]
    public void Beside_CheckThatHolds_ForTheseWeights_IsAllowed_AndRoundTrips()
    {
        using var tmp = new TempFolder();
        string weights = tmp.File("model.pth");
        File.WriteAllBytes(weights, [1, 2, 3]);
        CheckFor(weights, 0.9931).SaveBeside(weights);
        var (check, allowed, reason) = Bf16Check.Beside(weights);
        Assert.True(allowed, reason);
        Assert.Equal(0.9931, check!.MinAp50);
        Assert.Equal(12, check.Images);
        Assert.Contains("0.993", reason);
    }

    [Fact]
    public void Beside_CheckBelowTheGoal_IsNotAllowed_NamingTheLowestImage()
    {
        using var tmp = new TempFolder();
        string weights = tmp.File("w.pth");
        File.WriteAllBytes(weights, [1, 2, 3]);
        CheckFor(weights, 0.919).SaveBeside(weights);
        var (_, allowed, reason) = Bf16Check.Beside(weights);
        Assert.False(allowed);
        Assert.Contains("a.tif", reason);
        Assert.Contains("below 0.99", reason);
    }

    [Fact]
    public void Beside_CheckOfOtherWeights_IsNotAllowed()
    {
        using var tmp = new TempFolder();
        string weights = tmp.File("model.pth");
        File.WriteAllBytes(weights, [1, 2, 3]);
        CheckFor(weights, 1.0).SaveBeside(weights);
        File.WriteAllBytes(weights, [1, 2, 3, 4]); // retrained: the check no longer speaks for these weights
        var (_, allowed, reason) = Bf16Check.Beside(weights);
        Assert.False(allowed);
        Assert.Contains("other weights", reason);
    }

    [Fact]
    public void Beside_UnreadableFile_IsNotAllowed_NamingIt()
    {
        using var tmp = new TempFolder();
        string weights = tmp.File("model.pth");
        File.WriteAllBytes(weights, [1]);
        File.WriteAllText(Bf16Check.PathBeside(weights), "{ not json");
        var (_, allowed, reason) = Bf16Check.Beside(weights);
        Assert.False(allowed);
        Assert.Contains("bf16.json", reason);
    }
}
