using AcqSeg.Persistence;

namespace AcqSeg.Cli.Fleet;

/// <summary>
/// What became of every file a run (the soak, the workers bench) wrote, from the frames table and the output folder.
/// Lost: a file with no row, no row in a terminal state, or a Segmented/Flagged row whose masks file is missing.
/// Duplicated: rows beyond the first for one file, rows for files the run did not write, and output files no
/// finished row names. Ambiguous: files that do not end in exactly one terminal state (none, or several rows).
/// </summary>
internal sealed record FrameOutcomes(
    int Acquired, int Segmented, int Flagged, int Failed, int Lost, int Duplicated, int Ambiguous,
    int Republished, int LeftoverTempFiles, IReadOnlyList<string> Problems, IReadOnlyDictionary<string, int> FailureReasons)
{
    public bool Clean => Lost == 0 && Duplicated == 0 && Ambiguous == 0;

    /// <summary>Every file written has at least one row in a terminal state and no row is still Acquired.</summary>
    public static bool Settled(IReadOnlyList<string> written, IReadOnlyList<FrameRow> rows)
    {
        if (rows.Any(r => r.State == FrameStates.Acquired)) return false;
        var done = rows.Select(r => r.Path).ToHashSet(StringComparer.Ordinal);
        return written.All(done.Contains);
    }

    public static FrameOutcomes Of(IReadOnlyList<string> written, IReadOnlyList<FrameRow> rows, string outputRoot)
    {
        var problems = new List<string>();
        var byPath = rows.ToLookup(r => r.Path, StringComparer.Ordinal);
        var files = written.ToHashSet(StringComparer.Ordinal);
        int lost = 0, duplicated = 0, ambiguous = 0;
        foreach (string path in written)
        {
            var mine = byPath[path].ToList();
            var terminal = mine.Where(r => FrameStates.Terminal.Contains(r.State)).ToList();
            string states = mine.Count == 0 ? "no row" : string.Join(", ", mine.Select(r => $"{r.Id[..8]} {r.State}"));
            if (terminal.Count == 0)
            {
                lost++;
                problems.Add($"lost: {path} ({states})");
            }
            if (mine.Count > 1)
            {
                duplicated += mine.Count - 1;
                problems.Add($"duplicated: {path} ({states})");
            }
            if (terminal.Count != 1) ambiguous++;
        }
        foreach (var stray in rows.Where(r => !files.Contains(r.Path)))
        {
            duplicated++;
            problems.Add($"duplicated: a row for {stray.Path}, which the run did not write ({stray.State})");
        }

        var mineRows = rows.Where(r => files.Contains(r.Path)).ToList();
        var expected = mineRows.Where(r => r.State is FrameStates.Segmented or FrameStates.Flagged)
            .SelectMany(r => new[] { r.MasksPath, r.FlowsPath, r.OutlinesPath, r.ObjectsPath })
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var r in mineRows.Where(r => r.State is FrameStates.Segmented or FrameStates.Flagged && !File.Exists(r.MasksPath)))
        {
            lost++;
            problems.Add($"lost: {r.Path} is {r.State} but its masks {r.MasksPath} are missing");
        }
        int leftover = 0;
        foreach (string file in FrameOutputFiles(outputRoot))
        {
            if (Path.GetFileName(file).StartsWith('.') && file.EndsWith(".tmp", StringComparison.Ordinal))
            {
                // A writer killed between writing and renaming leaves its temporary file: garbage, not a second output.
                leftover++;
                continue;
            }
            if (expected.Contains(file)) continue;
            duplicated++;
            problems.Add($"duplicated: output {file} belongs to no finished frame");
        }

        return new FrameOutcomes(
            written.Count,
            mineRows.Count(r => r.State == FrameStates.Segmented),
            mineRows.Count(r => r.State == FrameStates.Flagged),
            mineRows.Count(r => r.State == FrameStates.Failed),
            lost, duplicated, ambiguous,
            mineRows.Count(r => r.PublishCount > 1),
            leftover,
            problems,
            mineRows.Where(r => r.State == FrameStates.Failed).GroupBy(r => r.Reason ?? "").ToDictionary(g => g.Key, g => g.Count()));
    }

    /// <summary>Files below the output root other than the service's own folders (model versions, training, corrections).</summary>
    private static IEnumerable<string> FrameOutputFiles(string outputRoot)
    {
        string[] own = ["models", "training", "corrections"];
        foreach (string dir in Directory.EnumerateDirectories(outputRoot))
        {
            if (own.Contains(Path.GetFileName(dir))) continue;
            foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)) yield return file;
        }
        foreach (string file in Directory.EnumerateFiles(outputRoot)) yield return file;
    }
}
