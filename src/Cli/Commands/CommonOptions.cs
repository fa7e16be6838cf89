using System.CommandLine;
using AcqSeg.Engine.Inference;
using AcqSeg.Models;
using AcqSeg.Models.Zoo;

namespace AcqSeg.Cli.Commands;

/// <summary>Options shared by the commands that turn flows into masks.</summary>
internal sealed class MaskThresholdOptions
{
    public Option<float> FlowThreshold { get; } = new("--flow-threshold", "--flow_threshold")
    {
        Description = "Maximum flow error per mask (0 turns flow QC off; default: the model's thresholds.json, else 0.4)",
        DefaultValueFactory = _ => MaskThresholds.DefaultFlowThreshold,
    };

    public Option<float> CellprobThreshold { get; } = new("--cellprob-threshold", "--cellprob_threshold")
    {
        Description = "Pixels with cell-probability logit above this take part in masks (default: the model's thresholds.json, else 0)",
        DefaultValueFactory = _ => MaskThresholds.DefaultCellprobThreshold,
    };

    public Option<int> MinSize { get; } = new("--min-size", "--min_size")
    {
        Description = "Masks smaller than this many pixels are dropped",
        DefaultValueFactory = _ => 15,
    };

    public IEnumerable<Option> All => [FlowThreshold, CellprobThreshold, MinSize];

    /// <summary>
    /// The thresholds to run <paramref name="modelPath"/>'s weights at: each one given on the command line, else the one
    /// chosen for those weights (<see cref="MaskThresholds"/> beside them), else Cellpose's default. <c>From</c> names the
    /// thresholds file when it supplied one of them.
    /// </summary>
    public (float Flow, float Cellprob, string? From) Resolve(ParseResult r, string? modelPath)
    {
        bool flowGiven = r.GetResult(FlowThreshold) is { Implicit: false }, cellprobGiven = r.GetResult(CellprobThreshold) is { Implicit: false };
        var chosen = modelPath is not null && !(flowGiven && cellprobGiven) ? LoadChosen(modelPath) : null;
        float flow = flowGiven || chosen is null ? r.GetValue(FlowThreshold) : chosen.FlowThreshold;
        float cellprob = cellprobGiven || chosen is null ? r.GetValue(CellprobThreshold) : chosen.CellprobThreshold;
        return (flow, cellprob, chosen is null ? null : MaskThresholds.PathBeside(modelPath!));
    }

    /// <summary>The thresholds chosen for <paramref name="weights"/> (<see cref="MaskThresholds.LoadBeside"/>), null when
    /// none were; a file that cannot be used is a usage error naming it and the fix.</summary>
    public static MaskThresholds? LoadChosen(string weights)
    {
        try { return MaskThresholds.LoadBeside(weights); }
        catch (WeightsCompanionFileException ex) { throw new UsageException(ex.Message); }
    }

    public void Validate(ParseResult r)
    {
        float flow = r.GetValue(FlowThreshold);
        if (flow < 0 || float.IsNaN(flow)) throw new UsageException($"--flow-threshold {flow} must be >= 0 (0 turns flow QC off)");
        int min = r.GetValue(MinSize);
        if (min < 0) throw new UsageException($"--min-size {min} must be >= 0");
        if (float.IsNaN(r.GetValue(CellprobThreshold))) throw new UsageException("--cellprob-threshold must be a number");
    }
}

internal static class OutDirOption
{
    public static Option<DirectoryInfo?> Create(string description) => new("--out")
    {
        Description = description,
    };

    public static string? Prepare(DirectoryInfo? dir)
    {
        if (dir is null) return null;
        try
        {
            Directory.CreateDirectory(dir.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out '{dir.FullName}' cannot be created: {ex.Message}");
        }
        return dir.FullName;
    }
}

/// <summary>--exact, --precision and --fast-tiles: which network path `segment`, `run` and `bench` take.</summary>
internal sealed class NetworkPathOptions
{
    public Option<bool> Exact { get; } = new("--exact")
    {
        Description = "Cellpose's exact float32 path with 224-pixel tiles (default: the fast path, a folded network on the same tiles, in bf16 only for weights with a holding `acqseg zoo parity` check)",
    };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "Fast path arithmetic: auto (bf16 on CPUs with AVX512-BF16/AMX for weights whose bf16 check holds, else float32), float32 or bfloat16",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string> Tiles { get; } = new("--fast-tiles")
    {
        Description = "Fast path tiles: cellpose (Cellpose's 224-pixel tiles, masks as the exact path's) or large (up to 544 pixels, fewer passes, not exact)",
        DefaultValueFactory = _ => "cellpose",
    };

    public IEnumerable<Option> All => [Exact, Precision, Tiles];

    public (bool Fast, NetworkPrecision Precision, FastTiles Tiles) Read(ParseResult r)
    {
        try { return (!r.GetValue(Exact), ReadPrecision(r), FastTilesExtensions.Parse(r.GetValue(Tiles)!)); }
        catch (ArgumentException ex) { throw new UsageException($"--fast-tiles: {ex.Message}"); }
    }

    /// <summary>--precision alone (`bench` chooses paths with --modes).</summary>
    public NetworkPrecision ReadPrecision(ParseResult r)
    {
        try { return NetworkPrecisionExtensions.Parse(r.GetValue(Precision)!); }
        catch (ArgumentException ex) { throw new UsageException($"--precision: {ex.Message}"); }
    }
}
