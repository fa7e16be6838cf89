using AcqSeg.Contracts;
using AcqSeg.SegmentWorker.Consumers;
using AcqSeg.ServiceDefaults;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

public sealed class ModelPublishedConsumerTests
{
    [Fact]
    public async Task ModelPublished_IsConsumedWithoutFault_AndTheModelVersionGaugeShowsTheNewVersion()
    {
        await using var provider = new ServiceCollection()
            .AddLogging()
            .AddMassTransitTestHarness(x => x.AddConsumer<ModelPublishedConsumer, ModelPublishedConsumerDefinition>())
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        string model = $"lineage-{Guid.NewGuid():N}";
        await harness.Bus.Publish(new ModelPublished(model, 3, "/models/x/v3.pth", "ab", 2, 0.61, 0.64, DateTimeOffset.UtcNow));

        Assert.True(await harness.GetConsumerHarness<ModelPublishedConsumer>().Consumed.Any<ModelPublished>());
        Assert.False(await harness.Published.Any<Fault<ModelPublished>>());
        Assert.Equal(3, AcqSegMetrics.ModelVersionInfo.WithLabels(model).Value);
    }
}
