using System.CommandLine;
using System.Text.Json;
using AcqSeg.Cli.Hitl;
using AcqSeg.Engine.Training;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg plot hitl DIR | hitl-service DIR [--compare HITL_CSV] | loss DIR`: redraws a run's chart from the files the
/// run left, without running it again (the same code draws it at the end of the run).
/// </summary>
public static class PlotCommand
{
    public static Command Create(CliConsole console)
    {
        return new Command("plot", "Redraw a run's chart (hitl.png, service-hitl.png, loss.png) from the files it left")
        {
            Hitl(console), HitlService(console), Loss(console),
        };
    }

    private static Argument<string> Folder(string description) => new("dir") { Description = description };

    private static Command Hitl(CliConsole console)
    {
        var dir = Folder("--out folder of `acqseg hitl` (hitl.csv; baselines.json and hitl-run.json when there)");
        var cmd = new Command("hitl", "DIR/hitl.png: test AP@0.5 against cumulative manual ROIs, with the offline baselines, reference and goal") { dir };
        cmd.SetAction(r => Wrote(console, HitlCharts.DrawHitl(r.GetValue(dir)!)));
        return cmd;
    }

    private static Command HitlService(CliConsole console)
    {
        var dir = Folder("--out folder of `acqseg hitl-service` (service-hitl.csv; service-hitl.json when there)");
        var compare = new Option<string?>("--compare")
        {
            Description = "hitl.csv of `acqseg hitl` on the same images, drawn beside (default: the one the run was compared with)",
        };
        var cmd = new Command("hitl-service", "DIR/service-hitl.png: test AP@0.5 against cumulative manual ROIs through the service, with the reference and goal")
        {
            dir, compare,
        };
        cmd.SetAction(r => Wrote(console, HitlCharts.DrawService(r.GetValue(dir)!, r.GetValue(compare))));
        return cmd;
    }

    private static Command Loss(CliConsole console)
    {
        var dir = Folder("A model's folder (training/loss.csv), a training folder (loss.csv), or a loss CSV of `acqseg train`");
        var cmd = new Command("loss", "loss.png beside loss.csv: train and test loss against epoch, log scale") { dir };
        cmd.SetAction(r =>
        {
            string csv = LossCsv(r.GetValue(dir)!);
            var first = File.ReadLines(csv).FirstOrDefault();
            if (first != LossCurve.Header) throw new UsageException($"{csv}: not a loss record of `acqseg train` (its first line should be {LossCurve.Header})");
            LossCurve curve;
            try { curve = LossCurve.Load(csv); }
            catch (FormatException ex) { throw new UsageException($"{csv}: {ex.Message}"); }
            string png = Path.ChangeExtension(csv, ".png");
            curve.WritePng(png, RunName(csv));
            return Wrote(console, png);
        });
        return cmd;
    }

    private static int Wrote(CliConsole console, string png)
    {
        console.Out.WriteLine($"wrote {png}");
        return CliApp.Ok;
    }

    /// <summary>DIR/training/loss.csv (a model's folder), DIR/loss.csv (its training folder), or DIR itself when it is a CSV.</summary>
    private static string LossCsv(string dir)
    {
        if (File.Exists(dir) && dir.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return dir;
        string[] candidates = [Path.Combine(dir, "training", "loss.csv"), Path.Combine(dir, "loss.csv")];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new UsageException($"{candidates[0]}: file not found, nor {candidates[1]} (the loss record `acqseg train` writes)");
    }

    /// <summary>The run's name from run.json beside the CSV, else the model's folder name.</summary>
    private static string? RunName(string csv)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(csv))!;
        string runJson = Path.Combine(folder, "run.json");
        if (File.Exists(runJson))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(runJson));
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("name", out var name)
                    && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } n)
                    return n;
            }
            catch (JsonException)
            {
                // A damaged run.json costs the title its name, not the chart.
            }
        }
        return Path.GetFileName(folder) == "training" ? Path.GetFileName(Path.GetDirectoryName(folder)) : Path.GetFileName(folder);
    }
}
