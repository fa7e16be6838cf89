using AcqSeg.Engine.Training;
using AcqSeg.TrainWorker;
using AcqSeg.TrainWorker.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.TrainWorker;

/// <summary>The train worker's share of the cores and its stop budget, as the host validates and applies them at start.</summary>
public class TrainWorkerOptionsTests
{
    private static ServiceProvider Provider(Dictionary<string, string?> values)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["TrainWorker:WorkRoot"] = "/tmp/acqseg-training" })
            .AddInMemoryCollection(values)
            .Build());
        services.AddTrainWorkerServices();
        return services.BuildServiceProvider();
    }

    private static TrainWorkerOptions Options(Dictionary<string, string?> values)
    {
        using var provider = Provider(values);
        return provider.GetRequiredService<IOptions<TrainWorkerOptions>>().Value;
    }

    private static string Refusal(Dictionary<string, string?> values) =>
        string.Join("; ", Assert.Throws<OptionsValidationException>(() => Options(values)).Failures);

    [Fact]
    public void MaxThreadsUnset_TrainsOnAllCoresButOne_AtNice10()
    {
        var o = Options([]);
        Assert.Null(o.MaxThreads);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount - 1), o.TrainingThreads);
        Assert.Equal(10, o.Nice);
    }

    [Fact]
    public void MaxThreadsWithinTheCores_IsTheRunsThreadCount()
    {
        int cores = Environment.ProcessorCount;
        Assert.Equal(cores, Options(new() { ["TrainWorker:MaxThreads"] = cores.ToString() }).TrainingThreads);
        Assert.Equal(1, Options(new() { ["TrainWorker:MaxThreads"] = "1" }).TrainingThreads);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void MaxThreadsBelowOne_IsRefusedAtStart_NamingTheValueAndTheRange(int threads) => AssertRefused(threads);

    [Fact]
    public void MaxThreadsAboveTheCores_IsRefusedAtStart_NamingTheValueAndTheRange() => AssertRefused(Environment.ProcessorCount + 1);

    private static void AssertRefused(int threads)
    {
        int cores = Environment.ProcessorCount;
        string message = Refusal(new() { ["TrainWorker:MaxThreads"] = threads.ToString() });
        Assert.Contains($"TrainWorker:MaxThreads {threads} is outside 1-{cores}", message);
        Assert.Contains($"leave it unset for {ThreadShare.DefaultTrainingThreads(cores)}", message);
    }

    [Theory]
    [InlineData("TrainWorker:Nice", "20", "TrainWorker:Nice must be 0 (no change) to 19")]
    [InlineData("TrainWorker:Nice", "-1", "TrainWorker:Nice must be 0 (no change) to 19")]
    [InlineData("TrainWorker:StopSeconds", "0", "TrainWorker:StopSeconds must be 1-60")]
    [InlineData("TrainWorker:StopSeconds", "61", "TrainWorker:StopSeconds must be 1-60")]
    public void NiceOrStopSecondsOutOfRange_IsRefusedAtStart(string key, string value, string expected) =>
        Assert.Contains(expected, Refusal(new() { [key] = value }));

    [Theory]
    [InlineData(null, 8)]
    [InlineData("2", 5)]
    [InlineData("60", 63)]
    [InlineData("0", 8)] // invalid: the default here, and start-up validation refuses it
    [InlineData("soon", 8)]
    public void HostShutdownTimeout_IsStopSecondsPlusTheHostsMargin(string? stopSeconds, int expectedSeconds)
    {
        using var provider = Provider(new() { ["TrainWorker:StopSeconds"] = stopSeconds });
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), provider.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }
}
