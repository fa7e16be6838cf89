using AcqSeg.Contracts;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.SegmentWorker.Consumers;
using AcqSeg.ServiceDefaults;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

public sealed class AssignModelConsumerTests : IDisposable
{
    private readonly TestDatabase db = new();

    private ServiceProvider Provider()
    {
        string model = Path.Combine(db.Folder, "cyto.pth");
        File.WriteAllBytes(model, [1, 2, 3]);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = db.Path,
            ["Models:Paths:cyto"] = model,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging();
        services.AddModelRegistry();
        services.AddMassTransitTestHarness(x => x.AddConsumer<AssignModelConsumer>());
        return services.BuildServiceProvider(true);
    }

    [Fact]
    public async Task AssignModel_KnownModel_StoresOperatorAssignmentAndPublishesModelAssigned()
    {
        await using var provider = Provider();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        await harness.Bus.Publish(new AssignModel("run1/plate2", "cyto"));

        Assert.True(await harness.Published.Any<ModelAssigned>());
        Assert.False(await harness.Published.Any<Fault<AssignModel>>());
        var row = await db.Models.GetAssignmentAsync("run1/plate2");
        Assert.Equal(("cyto", AssignmentSources.Operator), (row!.Model, row.Source));
    }

    [Fact]
    public async Task AssignModel_UnknownModel_StoresNothing()
    {
        await using var provider = Provider();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        await harness.Bus.Publish(new AssignModel("run1", "no-such-model"));

        Assert.True(await harness.GetConsumerHarness<AssignModelConsumer>().Consumed.Any<AssignModel>());
        Assert.False(await harness.Published.Any<ModelAssigned>());
        Assert.Null(await db.Models.GetAssignmentAsync("run1"));
    }

    public void Dispose() => db.Dispose();
}
