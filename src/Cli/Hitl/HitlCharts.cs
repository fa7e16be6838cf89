using System.Globalization;
using System.Text.Json;
using AcqSeg.Plots;

namespace AcqSeg.Cli.Hitl;

/// <summary>
/// The human-in-the-loop charts (test AP@0.5 against cumulative manual ROIs), drawn only from the files a run leaves:
/// `acqseg hitl` and `acqseg hitl-service` draw them when they have written those files, `acqseg plot` redraws them.
/// </summary>
public static class HitlCharts
{
    public const string HitlCsv = "hitl.csv";
    public const string BaselinesFile = "baselines.json";
    public const string HitlSettingsFile = "hitl-run.json";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// DIR/hitl.png from DIR/hitl.csv, with the offline baselines, reference and goal of DIR/baselines.json and the
    /// images folder of DIR/hitl-run.json when they are there (a run still going has no baselines.json yet).
    /// </summary>
    public static string DrawHitl(string dir)
    {
        string csv = Path.Combine(dir, HitlCsv);
        if (!File.Exists(csv)) throw new UsageException($"{csv}: file not found (the steps `acqseg hitl --out {dir}` writes)");
        var baselines = ReadJson(Path.Combine(dir, BaselinesFile));
        var settings = ReadJson(Path.Combine(dir, HitlSettingsFile));
        string? pretrained = ModelLabel(Text(baselines, "pretrained") ?? Text(settings, "Pretrained"));
        string? images = Text(settings, "FirstImage") is { } first ? FolderName(Path.GetDirectoryName(first)) : null;

        var lines = new List<ReferenceLine>();
        string same = Number(baselines, "images") is { } n ? string.Create(Inv, $"same {n:0} images, all ROIs") : "same images, all ROIs";
        if (Number(baselines, "offline_from_pretrained_ap50") is { } pre)
            lines.Add(new ReferenceLine(string.Create(Inv, $"offline from {pretrained ?? "pretrained"} ({same}): {pre:0.000}"), pre, ChartColor.Green));
        if (Number(baselines, "offline_from_scratch_ap50") is { } scratch)
            lines.Add(new ReferenceLine(string.Create(Inv, $"offline from scratch ({same}): {scratch:0.000}"), scratch, ChartColor.Red));
        lines.AddRange(ReferenceAndGoal(baselines));

        string png = Path.Combine(dir, "hitl.png");
        var loop = new ChartSeries("acqseg hitl (retrained after every image)", ReadCurve(csv), ChartColor.Blue, Markers: true);
        Chart(Title("Human in the loop", pretrained, images), [loop], lines).WritePng(png);
        return png;
    }

    /// <summary>
    /// DIR/service-hitl.png from DIR/service-hitl.csv, with the reference and goal of DIR/service-hitl.json and, beside
    /// it, the curve of `acqseg hitl`'s hitl.csv: <paramref name="compareCsv"/>, else the one the run was compared with.
    /// </summary>
    public static string DrawService(string dir, string? compareCsv)
    {
        string csv = Path.Combine(dir, ServiceLoop.CsvFile);
        if (!File.Exists(csv)) throw new UsageException($"{csv}: file not found (the steps `acqseg hitl-service --out {dir}` writes)");
        var compareCurve = ReadCompare(compareCsv);
        var summary = ReadJson(Path.Combine(dir, ServiceLoop.SummaryFile));
        compareCurve ??= Text(summary, "compare_csv") is { } recorded && File.Exists(recorded) ? ReadCurve(recorded) : null;

        var series = new List<ChartSeries> { new("through the service (acqseg run)", ReadCurve(csv), ChartColor.Blue, Markers: true) };
        if (compareCurve is not null) series.Add(new ChartSeries("acqseg hitl (same images)", compareCurve, ChartColor.Orange, Markers: true));
        string png = Path.Combine(dir, ServiceLoop.PlotFile);
        string what = Text(summary, "bus") is { } bus && bus.StartsWith("rabbitmq", StringComparison.OrdinalIgnoreCase)
            ? "Human in the loop through the service (RabbitMQ)"
            : "Human in the loop through the service";
        Chart(Title(what, ModelLabel(Text(summary, "start_model")), FolderName(Text(summary, "images"))), series,
            ReferenceAndGoal(summary).ToList()).WritePng(png);
        return png;
    }

    /// <summary>A `--compare` file that is not there or is no hitl.csv is a usage error, found before a run starts.</summary>
    public static void CheckCompare(string? compareCsv) => ReadCompare(compareCsv);

    /// <summary>The curve of a `--compare` hitl.csv (null without one); a missing or malformed file is a usage error.</summary>
    private static List<(double X, double Y)>? ReadCompare(string? compareCsv)
    {
        if (compareCsv is null) return null;
        if (!File.Exists(compareCsv)) throw new UsageException($"--compare '{compareCsv}': file not found (give hitl.csv of an `acqseg hitl` run)");
        return ReadCurve(compareCsv);
    }

    /// <summary>
    /// (cumulative manual ROIs, test AP@0.5) of each row of a hitl.csv or service-hitl.csv (both have these two columns).
    /// </summary>
    public static List<(double X, double Y)> ReadCurve(string csv)
    {
        var rows = File.ReadAllLines(csv);
        var header = rows.Length > 0 ? rows[0].Split(',') : [];
        int rois = Array.IndexOf(header, "cumulative_manual_rois"), ap = Array.IndexOf(header, "test_ap50");
        if (rois < 0 || ap < 0)
            throw new UsageException($"{csv}: no cumulative_manual_rois and test_ap50 columns (expected hitl.csv of `acqseg hitl` or service-hitl.csv of `acqseg hitl-service`)");
        var curve = new List<(double, double)>();
        for (int i = 1; i < rows.Length; i++)
        {
            if (rows[i].Length == 0) continue;
            var f = rows[i].Split(',');
            if (f.Length <= Math.Max(rois, ap) || !double.TryParse(f[rois], NumberStyles.Float, Inv, out double x)
                || !double.TryParse(f[ap], NumberStyles.Float, Inv, out double y))
                throw new UsageException($"{csv}: line {i + 1} has no number for cumulative_manual_rois or test_ap50");
            curve.Add((x, y));
        }
        return curve;
    }

    private static LineChart Chart(string title, IReadOnlyList<ChartSeries> series, IReadOnlyList<ReferenceLine> lines) => new()
    {
        Title = title,
        XLabel = "Cumulative manual ROIs (count)",
        YLabel = "Test AP@0.5 (0 to 1; IoU threshold 0.5)",
        Series = series,
        References = lines,
    };

    /// <summary>The reference model's AP and the goal below it, as a run recorded them (baselines.json, service-hitl.json).</summary>
    private static IEnumerable<ReferenceLine> ReferenceAndGoal(JsonElement? record)
    {
        if (Number(record, "reference_ap50") is not { } reference) yield break;
        yield return new ReferenceLine(string.Create(Inv, $"reference {ModelLabel(Text(record, "reference")) ?? "model"}: {reference:0.000}"), reference, ChartColor.Grey);
        if (Number(record, "goal_ap50") is { } goal)
            yield return new ReferenceLine(string.Create(Inv, $"goal (reference - {reference - goal:0.###}): {goal:0.000}"), goal, ChartColor.Purple);
    }

    private static string Title(string what, string? model, string? images) =>
        what + (model is null ? "" : $": {model}") + (images is null ? "" : $" on {images}");

    /// <summary>
    /// A model as the user named it; a path by its file name without .pth, a zoo folder's model.pth by the folder's
    /// name (NAME, or NAME@V for versions/V/model.pth), so the title and legend stay short.
    /// </summary>
    public static string? ModelLabel(string? model)
    {
        if (model is null || !(model.Contains('/') || model.Contains('\\') || model.EndsWith(".pth", StringComparison.OrdinalIgnoreCase))) return model;
        string file = Path.GetFileNameWithoutExtension(model);
        if (file != "model") return file;
        string? folder = Path.GetDirectoryName(model);
        string? parent = Path.GetDirectoryName(folder);
        string? name = folder is null ? null : Path.GetFileName(folder);
        if (parent is not null && Path.GetFileName(parent) == "versions" && Path.GetFileName(Path.GetDirectoryName(parent)) is { Length: > 0 } zoo)
            return $"{zoo}@{name}";
        return string.IsNullOrEmpty(name) ? file : name;
    }

    private static string? FolderName(string? folder) =>
        string.IsNullOrEmpty(folder) ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)) is { Length: > 0 } name ? name : folder;

    /// <summary>The root of a JSON file, or null when there is none; a file that is not JSON is named.</summary>
    private static JsonElement? ReadJson(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : throw new UsageException($"{path}: not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{path}: not valid JSON ({ex.Message})");
        }
    }

    private static string? Text(JsonElement? e, string key) =>
        e is { } o && o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static double? Number(JsonElement? e, string key) =>
        e is { } o && o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
