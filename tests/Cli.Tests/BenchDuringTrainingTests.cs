using System.Globalization;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Training;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

/// <summary>`acqseg bench --service N --during-training` with a tiny untrained network (its figures mean nothing; the
/// three services, their training settings and figures must be there).</summary>
public class BenchDuringTrainingTests
{
    [Fact]
    public void DuringTraining_WithoutService_IsAUsageError()
    {
        var run = CliRun.Of("bench", "--during-training");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("--service N", run.Error);
    }

    [Fact]
    public void DuringTraining_PrintsLatencyAndTrainingRatesForNoTrainingSharedAndUnshared()
    {
        using var tmp = new TempFolder("acqseg-bench-training");
        using (var net = CellposeNet.Seeded(3, [2, 8, 16, 32, 64], 30)) CellposeWeights.Save(net, tmp.File("tiny.pth"));

        var run = CliRun.Of("bench", "--model", tmp.File("tiny.pth"), "--service", "3", "--service-size", "128", "--during-training");

        Assert.True(run.ExitCode == 0, run.Error);
        string[] Row(string service) =>
            (run.Out.Split('\n').SingleOrDefault(l => l.StartsWith($"| {service} |", StringComparison.Ordinal))
             ?? throw new Xunit.Sdk.XunitException($"no '{service}' row in:\n{run.Out}")).Split('|').Select(c => c.Trim()).ToArray();
        // Columns: service, threads, nice, latency mean, latency p95, epochs/s alone, epochs/s during frames.
        double Number(string cell) => double.Parse(cell.Split(' ')[0], CultureInfo.InvariantCulture);
        var none = Row("no training");
        var shared = Row("training with the train worker's share (defaults)");
        var unshared = Row("training without a share");
        Assert.Equal(["-", "-", "-", "-"], new[] { none[2], none[3], none[6], none[7] });
        int cores = Environment.ProcessorCount;
        Assert.Equal((ThreadShare.DefaultTrainingThreads(cores).ToString(CultureInfo.InvariantCulture), "10"), (shared[2], shared[3]));
        Assert.Equal((cores.ToString(CultureInfo.InvariantCulture), "0"), (unshared[2], unshared[3]));
        foreach (var row in new[] { none, shared, unshared })
        {
            Assert.True(Number(row[4]) > 0 && Number(row[5]) >= Number(row[4]), $"latency mean and p95: {string.Join(" | ", row)}");
        }
        foreach (var row in new[] { shared, unshared })
        {
            Assert.True(Number(row[6]) > 0, $"training epochs/s alone: {row[6]}");
            Assert.Matches(@"^\d+\.\d{3} \(\d+ in \d+ s\)$", row[7]);
        }
        Assert.Contains("3 frames 128x128, fast path", run.Out);
    }
}
