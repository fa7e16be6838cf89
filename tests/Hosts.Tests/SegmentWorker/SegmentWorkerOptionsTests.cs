using AcqSeg.SegmentWorker;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

/// <summary>The estimate-once and batching options, as the host validates them at start.</summary>
public sealed class SegmentWorkerOptionsTests
{
    private static SegmentWorkerOptions Options(Dictionary<string, string?> values)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["SegmentWorker:OutputRoot"] = "/tmp/acqseg-out" })
            .AddInMemoryCollection(values)
            .Build());
        services.AddValidatedOptions<SegmentWorkerOptions>(SegmentWorkerOptions.SectionName);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<SegmentWorkerOptions>>().Value;
    }

    [Fact]
    public void Defaults_GiveTheDiameter_AndReestimateOnA15PercentChange()
    {
        var o = Options([]);
        Assert.Equal(30, o.Diameter);
        var reuse = o.ToReuseOptions();
        Assert.Equal((0.1, 0.15, 1024), (reuse.MaxStyleDistance, reuse.MaxDiameterChange, reuse.MaxSeries));
    }

    [Theory]
    [InlineData("ReestimateStyleDistance", "0")]
    [InlineData("ReestimateStyleDistance", "3")]
    [InlineData("ReestimateDiameterChange", "0")]
    [InlineData("ReestimateDiameterChange", "-0.5")]
    [InlineData("HeldDiameters", "0")]
    [InlineData("Diameter", "-1")]
    [InlineData("BatchSize", "0")]
    [InlineData("BatchSize", "65")]
    [InlineData("BatchWaitMilliseconds", "0")]
    [InlineData("BatchWaitMilliseconds", "60001")]
    public void OutOfRange_IsRefusedAtStart_NamingTheKey(string key, string value)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Options(new() { [$"SegmentWorker:{key}"] = value }));
        Assert.Contains($"SegmentWorker:{key}", string.Join("; ", ex.Failures));
    }

    [Fact]
    public void Defaults_SegmentFrameByFrame()
    {
        var o = Options([]);
        Assert.Equal((1, 1, 1), (o.BatchSize, o.ConcurrentMessageLimit, o.FramesInHand));
    }

    [Fact]
    public void BatchesTimesConcurrency_AboveThePrefetchLimit_IsRefusedNamingBoth()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Options(new()
        {
            ["SegmentWorker:BatchSize"] = "64",
            ["SegmentWorker:ConcurrentMessageLimit"] = "8",
        }));
        string message = string.Join("; ", ex.Failures);
        Assert.Contains("SegmentWorker:BatchSize 64 x ConcurrentMessageLimit 8 = 512", message);
        Assert.Contains("at most 256", message);
    }

    [Fact]
    public void BatchOptionsWithinRange_AreTaken()
    {
        var o = Options(new() { ["SegmentWorker:BatchSize"] = "8", ["SegmentWorker:BatchWaitMilliseconds"] = "50", ["SegmentWorker:ConcurrentMessageLimit"] = "2" });
        Assert.Equal((8, 50, 16), (o.BatchSize, o.BatchWaitMilliseconds, o.FramesInHand));
    }

    [Fact]
    public void WithinRange_IsTaken()
    {
        var o = Options(new()
        {
            ["SegmentWorker:Diameter"] = "0",
            ["SegmentWorker:ReestimateStyleDistance"] = "0.05",
            ["SegmentWorker:ReestimateDiameterChange"] = "0.5",
            ["SegmentWorker:HeldDiameters"] = "16",
        });
        Assert.Equal((0.05, 0.5, 16), (o.ReestimateStyleDistance, o.ReestimateDiameterChange, o.HeldDiameters));
    }
}
