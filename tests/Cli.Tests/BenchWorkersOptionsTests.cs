using System.Net;
using System.Net.Sockets;
using AcqSeg.Cli.Hitl;
using AcqSeg.Engine.Network;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

/// <summary>`acqseg bench --service N --workers ...`: its option checks, and what it says when the servers do not answer
/// (no servers needed; the bench itself runs in Integration.Tests' WorkersBenchTests).</summary>
public class BenchWorkersOptionsTests
{
    [Theory]
    [InlineData(new[] { "--workers", "1,2" }, "--workers measures the service: give --service N (frames per run) too")]
    [InlineData(new[] { "--service", "6", "--workers", "0" }, "--workers '0': '0' is not a number of worker processes from 1 to 64")]
    [InlineData(new[] { "--service", "6", "--workers", "1,two" }, "--workers '1,two': 'two' is not a number of worker processes")]
    [InlineData(new[] { "--service", "6", "--workers", "2,2" }, "--workers '2,2' names 2 twice")]
    [InlineData(new[] { "--service", "6", "--workers", "," }, "--workers is empty")]
    [InlineData(new[] { "--service", "5", "--workers", "1,4" }, "--service 5 is too few frames for --workers 1,4: give at least 6")]
    [InlineData(new[] { "--service", "6", "--workers", "1", "--during-training" }, "--workers and --during-training are two different service benchmarks")]
    [InlineData(new[] { "--service", "6", "--bus", "rabbitmq://u:p@127.0.0.1:5672/" }, "--bus names a server for --workers: give --service N --workers 1,2 too")]
    [InlineData(new[] { "--db", "Host=127.0.0.1;Database=x" }, "--db names a server for --workers")]
    [InlineData(new[] { "--rabbitmq-node", "rabbit@elsewhere" }, "--rabbitmq-node names a server for --workers")]
    [InlineData(new[] { "--service", "6", "--workers", "1", "--bus", "memory" }, "--bus must be rabbitmq://user:pass@host:port/: the workers bench runs separate processes")]
    [InlineData(new[] { "--service", "6", "--workers", "1", "--db", "bench.db" }, "--db 'bench.db' is not a PostgreSQL connection")]
    public void WorkersOptions_Invalid_AreUsageErrorsNamingTheFlag(string[] args, string message)
    {
        var run = CliRun.Of(["bench", .. args]);

        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public void Workers_BrokerNotListening_NamesBusAndHowToStartTheServers()
    {
        using var tmp = new TempFolder("acqseg-bench-workers");
        int closed = ServiceProcess.FreePort();

        var run = CliRun.Of("bench", "--model", TinyModel(tmp), "--service", "4", "--workers", "1", "--bus", $"rabbitmq://u:secret@127.0.0.1:{closed}/");

        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains($"cannot reach RabbitMQ at 127.0.0.1:{closed}", run.Error);
        Assert.Contains($"--bus rabbitmq://u:***@127.0.0.1:{closed}/", run.Error);
        Assert.Contains("source ops/services.sh && acqseg_start_services", run.Error);
        Assert.DoesNotContain("secret", run.Error);
        Assert.Empty(run.Out);
    }

    [Fact]
    public void Workers_DatabaseNotListening_NamesDbWithoutItsPasswordAndHowToStartTheServers()
    {
        using var tmp = new TempFolder("acqseg-bench-workers");
        // A port that accepts connections stands in for the broker, so that the database is the server found missing.
        var broker = new TcpListener(IPAddress.Loopback, 0);
        broker.Start();
        try
        {
            int brokerPort = ((IPEndPoint)broker.LocalEndpoint).Port, closed = ServiceProcess.FreePort();

            var run = CliRun.Of("bench", "--model", TinyModel(tmp), "--service", "4", "--workers", "1", "--bus", $"rabbitmq://u:p@127.0.0.1:{brokerPort}/",
                "--db", $"Host=127.0.0.1;Port={closed};Username=u;Password=secret;Database=d");

            Assert.Equal(CliApp.UsageError, run.ExitCode);
            Assert.Contains($"cannot connect to PostgreSQL with --db 'Host=127.0.0.1;Port={closed};Username=u;Password=***;Database=d'", run.Error);
            Assert.Contains("source ops/services.sh && acqseg_start_services", run.Error);
            Assert.DoesNotContain("secret", run.Error);
        }
        finally
        {
            broker.Stop();
        }
    }

    private static string TinyModel(TempFolder tmp)
    {
        using var net = new CellposeNet([2, 8, 16, 32, 64], 30);
        CellposeWeights.Save(net, tmp.File("tiny.pth"));
        return tmp.File("tiny.pth");
    }
}
