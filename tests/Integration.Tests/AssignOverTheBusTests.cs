using AcqSeg.AllRolesHost;
using AcqSeg.Cli;
using AcqSeg.Contracts;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Integration.Tests;

/// <summary>`acqseg assign --bus`: the AssignModel command on a real broker reaches the segment workers, which store the
/// operator's choice; without a worker on the broker the operator is told instead of the choice being dropped.</summary>
public sealed class AssignOverTheBusTests
{
    [SkippableFact]
    public async Task AssignOverTheBus_SegmentWorkerStoresTheOperatorsChoice_AndWithoutAWorkerTheCommandIsRefused()
    {
        await using var vhost = await Broker.CreateVirtualHostAsync();
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-it-assign");
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = ServiceUnderTest.RealServerSettings(tmp.Sub("watch"), tmp.Sub("out"), "synth", model, vhost.Bus, database.ConnectionString);

        var (code, _, error) = Run(["assign", "run7/plate1", "synth", "--bus", vhost.Bus]);
        Assert.Equal(CliApp.UsageError, code);
        Assert.Contains("no segment worker listens", error, StringComparison.Ordinal);

        await using var worker = await ServiceUnderTest.StartRoleAsync(PipelineRole.SegmentWorker, settings);
        // The host's start returns before the bus has bound every queue: wait for the command's consumer.
        await Eventually.HoldsAsync("the worker consuming AssignModel", TimeSpan.FromMinutes(1), async () =>
        {
            uint consumers = await Broker.ConsumersAsync(vhost.Amqp, "assign-model");
            return (consumers == 1, $"{consumers} consumers");
        });
        var store = new ModelStore(new Database(new DatabaseOptions { ConnectionString = database.ConnectionString }));
        (code, string output, error) = Run(["assign", "run7/plate1", "synth", "--bus", vhost.Bus]);
        Assert.True(code == CliApp.Ok, error);
        Assert.Contains("run7/plate1 -> synth", output, StringComparison.Ordinal);
        await Eventually.HoldsAsync("the assignment stored", TimeSpan.FromMinutes(1), async () =>
        {
            var row = await store.GetAssignmentAsync("run7/plate1");
            return (row is { Model: "synth", Source: AssignmentSources.Operator }, row is null ? "none" : $"{row.Model} by {row.Source}");
        });
    }

    private static (int Code, string Output, string Error) Run(string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
