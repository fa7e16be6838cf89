using System.Globalization;
using AcqSeg.Plots;

namespace AcqSeg.Engine.Training;

/// <summary>The training record: one CSV row per epoch and a PNG plot of the losses (log scale).</summary>
public sealed class LossCurve
{
    public const string Header = "epoch,train_loss,test_loss,test_ap50,learning_rate,seconds,images_per_second";
    private readonly List<EpochReport> _reports = [];

    public IReadOnlyList<EpochReport> Reports => _reports;

    /// <summary>Reads an existing CSV so a resumed run keeps its history.</summary>
    public static LossCurve Load(string csvPath)
    {
        var curve = new LossCurve();
        if (!File.Exists(csvPath)) return curve;
        var inv = CultureInfo.InvariantCulture;
        foreach (string line in File.ReadLines(csvPath).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 7) continue;
            double? Opt(string s) => s.Length == 0 ? null : double.Parse(s, inv);
            curve._reports.Add(new EpochReport(int.Parse(f[0], inv), 0, double.Parse(f[1], inv), Opt(f[2]), Opt(f[3]),
                double.Parse(f[4], inv), double.Parse(f[5], inv), double.Parse(f[6], inv), TimeSpan.Zero));
        }
        return curve;
    }

    public void Add(EpochReport r)
    {
        _reports.RemoveAll(x => x.Epoch >= r.Epoch);
        _reports.Add(r);
    }

    public void WriteCsv(string path)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { Header };
        foreach (var r in _reports)
        {
            lines.Add(string.Join(',', r.Epoch.ToString(inv), r.TrainLoss.ToString("G6", inv), r.TestLoss?.ToString("G6", inv) ?? "",
                r.TestAp50?.ToString("G4", inv) ?? "", r.LearningRate.ToString("G6", inv), r.Seconds.ToString("0.###", inv),
                r.ImagesPerSecond.ToString("0.###", inv)));
        }
        File.WriteAllLines(path, lines);
    }

    /// <summary>
    /// The chart of the losses: train loss every epoch in blue, test loss (scored every few epochs) in orange with
    /// markers, log-scaled y. <paramref name="runName"/> (the model's name) goes into the title.
    /// </summary>
    public void WritePng(string path, string? runName) => new LineChart
    {
        Title = string.IsNullOrWhiteSpace(runName) ? "Training loss" : $"Training loss: {runName}",
        XLabel = "Epoch",
        YLabel = "Loss: flow MSE / 2 + cellprob BCE (log scale)",
        LogY = true,
        Series =
        [
            new ChartSeries("train loss", _reports.Select(r => ((double)r.Epoch, r.TrainLoss)).ToList(), ChartColor.Blue),
            new ChartSeries("test loss", _reports.Where(r => r.TestLoss is not null).Select(r => ((double)r.Epoch, r.TestLoss!.Value)).ToList(),
                ChartColor.Orange, Markers: true),
        ],
    }.WritePng(path);
}
