using System.CommandLine;
using AcqSeg.Contracts;
using AcqSeg.Models;
using AcqSeg.Models.Assignment;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace AcqSeg.Cli.Commands;

/// <summary>`acqseg assign ACQUISITION MODEL --db DB | --bus URL`: the acquisition's next frames use MODEL (an operator's
/// choice wins over configuration rules and suggestions). With --bus it sends the AssignModel command to the service's
/// segment workers, which store it and announce ModelAssigned; with --db it takes the same path
/// (<see cref="ModelAssignments.AssignAsync"/>) directly on the service's database (a service on the in-memory bus).</summary>
public static class AssignCommand
{
    public static Command Create(CliConsole console)
    {
        var acquisition = new Argument<string>("acquisition") { Description = "Acquisition id (watched folder name plus sub-folder, e.g. run42/plate1)" };
        var model = new Argument<string>("model") { Description = "Model lineage name (a zoo model, or a lineage the service knows)" };
        var db = new Option<string>("--db") { Description = "SQLite file or PostgreSQL connection of the running service" };
        var bus = new Option<string>("--bus") { Description = "The service's RabbitMQ (rabbitmq://user:pass@host:port/vhost): send the AssignModel command there" };
        var cmd = new Command("assign", "Assign a model to an acquisition") { acquisition, model, db, bus };
        cmd.SetAction(r =>
        {
            string acq = r.GetValue(acquisition)!.Trim();
            string name = r.GetValue(model)!.Trim();
            if (acq.Length == 0 || name.Length == 0) throw new UsageException("acquisition and model must not be empty");
            if ((r.GetValue(db) is null) == (r.GetValue(bus) is null))
                throw new UsageException("give either --db (the service's database) or --bus (its RabbitMQ), not both");
            if (r.GetValue(bus) is { } busValue)
            {
                SendAsync(busValue, new AssignModel(acq, name)).GetAwaiter().GetResult();
                console.Out.WriteLine($"{acq} -> {name} (sent; the segment workers store it and announce ModelAssigned)");
                return CliApp.Ok;
            }
            var database = CliDatabase.Open(r.GetValue(db)!, mustExist: true);
            var store = new ModelStore(database);
            var registry = new ModelRegistry(Options.Create(new ModelsOptions { ZooRoot = ModelLocator.ZooRoot() ?? "" }), store);
            var assignments = new ModelAssignments(store, registry, Options.Create(new ModelChoiceOptions()));
            // This process does not see the service's configuration (Models:Paths): a name it cannot find is stored with a
            // warning, and the service's segment worker fails the acquisition's frames with the missing model's name.
            if (!assignments.IsKnownAsync(name, CancellationToken.None).GetAwaiter().GetResult())
                console.Error.WriteLine($"warning: model '{name}' is not in the zoo and has no versions in this database yet; " +
                    $"the service must have it configured (Models:Paths:{name}), or its frames fail naming it");
            assignments.AssignAsync(acq, name, CancellationToken.None, verify: false).GetAwaiter().GetResult();
            console.Out.WriteLine($"{acq} -> {name}");
            return CliApp.Ok;
        });
        return cmd;
    }

    /// <summary>Publishes the command with the mandatory flag: a broker where no segment worker listens returns it, and
    /// the operator is told instead of the choice being dropped.</summary>
    private static async Task SendAsync(string busValue, AssignModel command)
    {
        BusOptions options;
        try { options = BusOptions.Parse(busValue); }
        catch (FormatException ex) { throw new UsageException($"--bus: {ex.Message}"); }
        if (!options.IsRabbitMq) throw new UsageException("--bus must be the service's RabbitMQ (rabbitmq://user:pass@host:port/vhost); for a service on the in-memory bus use --db");
        BrokerPreflight.Require(busValue);
        var r = options.RabbitMq;
        var client = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(r.Host, (ushort)r.Port, r.VirtualHost, h =>
        {
            h.Username(r.Username);
            h.Password(r.Password);
        }));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await client.StartAsync(timeout.Token);
            await client.PublishRoutedAsync(command, timeout.Token);
        }
        catch (MessageNotRoutedException)
        {
            throw new UsageException($"no segment worker listens on {r.Host}:{r.Port}/{r.VirtualHost.TrimStart('/')}: start one, or use --db with the service's database");
        }
        catch (Exception ex) when (ex is OperationCanceledException or RabbitMqConnectionException)
        {
            throw new UsageException($"cannot reach RabbitMQ at {r.Host}:{r.Port}: {ex.Message}; check --bus and that the broker runs");
        }
        finally
        {
            await client.StopAsync(CancellationToken.None);
        }
    }
}
