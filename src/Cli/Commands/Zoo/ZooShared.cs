using System.CommandLine;
using System.Globalization;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Network;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Engine.Zoo;
using AcqSeg.Models.Sizing;
using AcqSeg.Models.Zoo;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>What the `acqseg zoo` subcommands share: their common options, the --zoo folder, zoo errors as usage errors, the
/// reference model and the size-model checks.</summary>
internal static class ZooShared
{
    internal static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    internal static Option<string?> ZooOption() => new("--zoo") { Description = "Zoo folder (default: $ACQSEG_ZOO, else the repository's models/)" };

    internal static Option<int> ChanOption() => new("--chan") { Description = "Channel to segment: 0 gray, 1-3 R/G/B" };

    internal static Option<int> Chan2Option() => new("--chan2") { Description = "Nuclear channel: 0 none, 1-3 R/G/B" };

    internal static Option<string> DeviceOption() => new("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };

    internal static Option<string> MaskSuffixOption(string description = "Suffix of mask files") =>
        new("--mask-suffix") { Description = description, DefaultValueFactory = _ => "_masks" };

    internal static ModelZoo Open(string? folder, bool mustExist = true)
    {
        string root = folder ?? ModelLocator.ZooRoot() ?? ModelLocator.DefaultZooRoot();
        if (mustExist && !Directory.Exists(root)) throw new UsageException($"zoo folder '{root}' does not exist; pass --zoo DIR or import a model first");
        return ZooNetwork.Open(root);
    }

    /// <summary>The settings at the mask thresholds chosen for a model's weights (<see cref="MaskThresholdOptions.LoadChosen"/>),
    /// unchanged when none were: a model is scored at the thresholds it runs at.</summary>
    internal static SegmentSettings AtChosenThresholds(SegmentSettings settings, MaskThresholds? chosen) =>
        chosen is null ? settings : settings with { FlowThreshold = chosen.FlowThreshold, CellprobThreshold = chosen.CellprobThreshold };

    internal static T ZooCall<T>(Func<T> action)
    {
        try { return action(); }
        catch (ZooException ex) { throw new UsageException(ex.Message); }
    }

    internal static Option<double?> SettleOption() =>
        new("--settle") { Description = $"Refining passes stop once one moves the diameter by less than this fraction (default {SizeModel.DefaultSettledChange})" };

    internal static double CheckedSettle(double? settle) => settle switch
    {
        null => SizeModel.DefaultSettledChange,
        { } f when SizeModel.IsValidSettledChange(f) => f,
        _ => throw new UsageException(string.Create(Inv, $"--settle {settle}: {SizeModel.SettleRange}")),
    };

    internal static int CheckedRefinePasses(int passes) => SizeModel.IsValidRefinePasses(passes)
        ? passes
        : throw new UsageException($"--refine-passes {passes} must be 1 (Cellpose) to {SizeModel.MaxRefinePasses}");

    /// <summary>How `zoo eval` records a folder (and `zoo target` names one): its last path part.</summary>
    internal static string EvalFolderName(string dir) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));

    internal static string Standing(AccuracyTarget target, IReadOnlyDictionary<string, double> aps) =>
        target.MeanOf(aps) is { } mean
            ? string.Create(Inv, $"{mean:0.0000} ({(target.IsMetBy(mean) ? "met" : "not met")})")
            : "not scored yet";

    internal static Option<string?> ReferenceOption() => new("--reference-model")
    {
        Description = "Zoo model whose network computes all styles (default: 'general')",
    };

    internal static string ReferenceName(ModelZoo zoo, string? given)
    {
        string name = given ?? "general";
        if (zoo.Contains(name)) return name;
        throw new UsageException(given is null
            ? $"the zoo has no 'general' model to compute styles with; pass --reference-model NAME (models: {string.Join(", ", zoo.Names())})"
            : $"--reference-model '{given}': no such zoo model (models: {string.Join(", ", zoo.Names())})");
    }

    internal static CellposeModel LoadModel(string path, string device)
    {
        try { return CellposeModel.Load(path, DeviceChoice.Parse(device)); }
        catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
        catch (DeviceUnavailableException ex) { throw new UsageException(ex.Message); }
        catch (ModelFileException ex) { throw new UsageException(ex.Message); }
    }
}
