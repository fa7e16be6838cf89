using AcqSeg.Segmentation.Training;
using AcqSeg.TrainWorker;
using AcqSeg.TrainWorker.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AcqSeg.Service.Tests;

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
    [InlineData("20")]
    [InlineData("-1")]
    public void NiceOutOfRange_IsRefusedAtStart(string value) =>
        Assert.Contains("TrainWorker:Nice must be 0 (no change) to 19", Refusal(new() { ["TrainWorker:Nice"] = value }));
}
