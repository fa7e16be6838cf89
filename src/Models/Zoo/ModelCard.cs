using System.Globalization;
using System.Text;
using AcqSeg.Models.Sizing;

namespace AcqSeg.Models.Zoo;

/// <summary>What the card needs besides the manifest: the weight file's size, whether a size model and styles exist.</summary>
public sealed record ModelCardFacts(long WeightsBytes, bool HasSizeModel, StyleSet? Styles)
{
    /// <summary>Licences the current version carries: of its own training data and of its lineage's.</summary>
    public IReadOnlyList<CarriedLicence> Licences { get; init; } = [];
}

/// <summary>Renders models/NAME/card.md from the manifest: data, schedule, epochs, diameters, AP per evaluation
/// folder, size model, wall time and throughput of the current version, then every version's lineage.</summary>
public static class ModelCard
{
    public static string Render(ModelManifest manifest, ModelCardFacts facts)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(facts);
        var inv = CultureInfo.InvariantCulture;
        var v = manifest.CurrentVersion;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# Model card: {manifest.Name}");
        sb.AppendLine();
        sb.AppendLine(inv, $"<!-- Generated from manifest.json by acqseg on every zoo change; edit the manifest's notes, not this file. -->");
        sb.AppendLine();
        sb.AppendLine(inv, $"Current version: **{v.Version}** of {manifest.Versions.Count}. Use it with `acqseg segment --model {manifest.Name}`.");
        sb.AppendLine(inv, $"Weights: `model.pth`, a PyTorch state dict of Cellpose's CPnet (loads in Cellpose v2 too), {MegaBytes(facts.WeightsBytes)}.");
        sb.AppendLine();
        sb.AppendLine("| | |");
        sb.AppendLine("|---|---|");
        Row(sb, "network widths", v.Widths.Length == 0 ? "unknown" : string.Join(", ", v.Widths));
        Row(sb, "diam_mean", Num(v.DiamMean));
        Row(sb, "diam_labels (training labels' mean diameter)", Num(v.DiamLabels));
        Row(sb, "parent", v.Parent?.ToString() ?? "none (trained from scratch)");
        Row(sb, "created (UTC)", v.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm", inv));
        Row(sb, "training data", $"{Count(v.TrainImages)} images, {Count(v.TrainRois)} ROIs");
        Row(sb, "schedule", $"{v.Schedule ?? "unknown"}, {Count(v.Epochs)} epochs");
        Row(sb, "wall time", $"{Duration(v.WallSeconds)} ({(v.ImagesPerSecond is { } ips ? ips.ToString("0.##", inv) + " images/s" : "throughput unknown")})");
        if (!string.IsNullOrWhiteSpace(v.Notes)) Row(sb, "notes", v.Notes!);
        sb.AppendLine();
        if (DataLicences.NonCommercialNotice(facts.Licences) is { } notice)
        {
            sb.AppendLine(inv, $"> **{notice}**");
            sb.AppendLine();
        }

        sb.AppendLine("## Data licences");
        sb.AppendLine();
        if (facts.Licences.Count == 0) sb.AppendLine("None recorded (record them with `acqseg zoo licence`).");
        else
        {
            sb.AppendLine("| data | licence | non-commercial | via | stated in |");
            sb.AppendLine("|---|---|---|---|---|");
            foreach (var c in facts.Licences)
                sb.AppendLine(inv, $"| {c.Licence.Data} | {DataLicences.Find(c.Licence.Licence)?.Title ?? c.Licence.Licence} | {(c.NonCommercial ? "**yes**" : "no")} | {c.Via ?? "this version"} | {c.Licence.Source ?? "-"} |");
        }
        sb.AppendLine();

        sb.AppendLine("## AP@0.5 per evaluation folder");
        sb.AppendLine();
        if (!v.HasRecordedAp()) sb.AppendLine("Not evaluated yet.");
        else
        {
            // More columns once the version was scored at the ground-truth diameters (the gap is the size model's) and
            // on the fast path (what `segment` and the service run by default).
            bool truth = v.ApTrueDiameter.Count > 0, fast = v.ApFast.Count > 0;
            sb.AppendLine("Cellpose's exact path (float32, 224-pixel tiles) at the size model's estimate" + (truth ? ", and at each image's true diameter" : "")
                + (fast ? "; the fast path (a folded network on the same tiles, bf16 only for weights whose `acqseg zoo parity` check holds; `segment`'s and the service's default) at the estimate" : "") + ":");
            sb.AppendLine();
            sb.AppendLine("| folder | AP@0.5 |" + (truth ? " AP@0.5 at the true diameter |" : "") + (fast ? " AP@0.5, fast path |" : ""));
            sb.AppendLine("|---|---|" + (truth ? "---|" : "") + (fast ? "---|" : ""));
            foreach (string folder in v.Ap.Keys.Union(v.ApTrueDiameter.Keys).Union(v.ApFast.Keys).Order(StringComparer.Ordinal))
                sb.AppendLine(inv, $"| {folder} | {Ap(v.Ap, folder)} |{(truth ? $" {Ap(v.ApTrueDiameter, folder)} |" : "")}{(fast ? $" {Ap(v.ApFast, folder)} |" : "")}");
            sb.AppendLine(inv, $"| **mean** | **{Mean(v.Ap)}** |{(truth ? $" **{Mean(v.ApTrueDiameter)}** |" : "")}{(fast ? $" **{Mean(v.ApFast)}** |" : "")}");
        }
        sb.AppendLine();

        if (manifest.Targets is { Count: > 0 } targets)
        {
            sb.AppendLine("## Targets");
            sb.AppendLine();
            sb.AppendLine("Mean AP@0.5 over each group of folders (each folder weighs the same), current version:");
            sb.AppendLine();
            sb.AppendLine("| target | folders | required | at the size model's estimate | at the true diameter |");
            sb.AppendLine("|---|---|---|---|---|");
            foreach (var t in targets)
                sb.AppendLine(inv, $"| {t.Label} | {string.Join(", ", t.Folders)} | {t.MinAp:0.000} | {Standing(t, v.Ap)} | {Standing(t, v.ApTrueDiameter)} |");
            sb.AppendLine();
        }

        sb.AppendLine("## Size model");
        sb.AppendLine();
        if (facts.HasSizeModel && v.SizeModel is { } s)
        {
            string fit = s.TrainCorrelation is { } r ? string.Create(inv, $", train correlation {r:0.###}") : "";
            string data = s.TrainImages > 0 ? string.Create(inv, $" on {s.TrainImages} images ({s.Crops} crops){fit}") : "";
            string passes = s.RefinePasses is > 1 and var p
                ? string.Create(inv, $" Up to {p} refining passes, each at the diameter the previous one measured, until it changes by less than {(s.SettledChange ?? SizeModel.DefaultSettledChange) * 100:0.#} % (Cellpose: 1).")
                : "";
            sb.AppendLine(inv, $"`size.json`: Cellpose's style-to-diameter regression{data}; source {s.Source}. `--diameter 0` estimates each image's diameter with it.{passes}");
        }
        else if (facts.HasSizeModel) sb.AppendLine("`size.json` present; `--diameter 0` estimates each image's diameter with it.");
        else sb.AppendLine(inv, $"None: `--diameter 0` uses diam_labels ({Num(v.DiamLabels)}). Train one with `acqseg zoo train-size {manifest.Name} --dir DIR`.");
        sb.AppendLine();

        sb.AppendLine("## Mask thresholds");
        sb.AppendLine();
        sb.AppendLine(v.Thresholds is { } mt
            ? string.Create(inv, $"`thresholds.json`: flow threshold {mt.FlowThreshold}, cell-probability threshold {mt.CellprobThreshold}, which `segment`, `zoo eval` and the segment worker run at unless given others. Chosen by {mt.ChosenBy}.")
            : $"Cellpose's (flow threshold 0.4, cell-probability threshold 0). `acqseg zoo set-thresholds {manifest.Name}` records ones chosen by cross-validation.");
        sb.AppendLine();

        sb.AppendLine("## Style examples (model suggestion)");
        sb.AppendLine();
        sb.AppendLine(facts.Styles is { } st
            ? string.Create(inv, $"`styles.bin`: {st.Examples.Count} training-image styles computed with reference model `{st.Reference}`.")
            : $"None: `acqseg zoo add-styles {manifest.Name} --dir DIR` adds them.");
        sb.AppendLine();

        sb.AppendLine("## Versions");
        sb.AppendLine();
        sb.AppendLine("| version | parent | created (UTC) | schedule | epochs | images | ROIs | mean AP@0.5 | wall time | images/s |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var x in manifest.Versions.OrderBy(x => x.Version))
        {
            string mark = x.Version == manifest.Current ? " (current)" : "";
            string ap = x.Ap.Count == 0 ? "-" : x.Ap.Values.Average().ToString("0.000", inv);
            sb.AppendLine(inv,
                $"| {x.Version}{mark} | {x.Parent?.ToString() ?? "none"} | {x.Created.UtcDateTime:yyyy-MM-dd HH:mm} | {x.Schedule ?? "-"} | {Count(x.Epochs)} | {Count(x.TrainImages)} | {Count(x.TrainRois)} | {ap} | {Duration(x.WallSeconds)} | {(x.ImagesPerSecond is { } i ? i.ToString("0.##", inv) : "-")} |");
        }
        return sb.ToString();
    }

    private static string Standing(AccuracyTarget target, IReadOnlyDictionary<string, double> aps)
    {
        if (target.MeanOf(aps) is not { } mean)
            return "not scored on " + string.Join(", ", target.Folders.Where(f => !aps.ContainsKey(f)));
        return string.Create(CultureInfo.InvariantCulture, $"{mean:0.0000}, {(target.IsMetBy(mean) ? "**met**" : $"not met ({mean - target.MinAp:+0.0000;-0.0000})")}");
    }

    private static string Ap(IReadOnlyDictionary<string, double> aps, string folder) =>
        aps.TryGetValue(folder, out double ap) ? ap.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    private static string Mean(IReadOnlyDictionary<string, double> aps) =>
        aps.Count == 0 ? "-" : aps.Values.Average().ToString("0.000", CultureInfo.InvariantCulture);

    private static void Row(StringBuilder sb, string key, string value) => sb.Append("| ").Append(key).Append(" | ").Append(value).AppendLine(" |");

    private static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Count(int? n) => n?.ToString("N0", CultureInfo.InvariantCulture) ?? "unknown";

    private static string MegaBytes(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    public static string Duration(double? seconds)
    {
        if (seconds is not { } s) return "unknown";
        var t = TimeSpan.FromSeconds(s);
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:00} min" : t.TotalMinutes >= 1 ? $"{t.Minutes} min {t.Seconds:00} s" : $"{s.ToString("0.#", CultureInfo.InvariantCulture)} s";
    }
}
