namespace AcqSeg.Examples.AdaptiveController;

/// <summary>The rule's settings (command-line options of the same names).</summary>
public sealed record RuleSettings
{
    /// <summary>Frame interval at start, seconds.</summary>
    public double Interval { get; init; } = 1.0;
    public double MinInterval { get; init; } = 0.25;
    public double MaxInterval { get; init; } = 8.0;
    /// <summary>Frames in each of the two windows compared.</summary>
    public int Window { get; init; } = 5;
    /// <summary>Relative change of the mean object count that triggers a new interval (0.2 = 20 %).</summary>
    public double Change { get; init; } = 0.2;
    /// <summary>Failed frames in a row that raise an alert.</summary>
    public int MaxFailures { get; init; } = 3;

    /// <summary>Null when usable, else what is wrong and how to fix it.</summary>
    public string? Problem() =>
        MinInterval <= 0 || MaxInterval < MinInterval ? $"--min-interval {MinInterval} and --max-interval {MaxInterval}: need 0 < min <= max"
        : Interval < MinInterval || Interval > MaxInterval ? $"--interval {Interval} must lie between --min-interval {MinInterval} and --max-interval {MaxInterval}"
        : Window < 1 ? $"--window {Window} must be at least 1 frame"
        : Change is <= 0 or >= 1 ? $"--change {Change} must be between 0 and 1 (0.2 = 20 %)"
        : MaxFailures < 1 ? $"--max-failures {MaxFailures} must be at least 1"
        : null;
}

/// <summary>What the rule concluded from one event: the interval to use, whether it changed, and why.</summary>
public sealed record Decision(double Interval, bool Changed, string Why, bool Alert = false);

/// <summary>
/// The decision rule. Each segmented frame the quality gate passed adds its object count to a history (flagged frames
/// are left out: their counts are the ones the gate distrusts). Once the history holds two windows, the mean of the
/// latest window is compared with the mean of the window before it: a rise of more than Change halves the frame interval
/// (more time resolution while something happens, e.g. cells dividing), a fall of more than Change doubles it (less
/// light while little happens), within MinInterval..MaxInterval. After a change the history starts afresh, so the next
/// decision rests on frames taken at the new interval. Failed frames do not change the interval; MaxFailures of them in
/// a row raise an alert (the focus, the stage or the file writer may be at fault).
/// </summary>
public sealed class IntervalRule(RuleSettings settings)
{
    private readonly List<int> counts = [];
    private int failuresInARow;

    public double Interval { get; private set; } = settings.Interval;

    public Decision OnSegmented(int objectCount, bool flagged)
    {
        failuresInARow = 0;
        if (flagged) return Keep($"flagged frame ({objectCount} objects) left out");
        counts.Add(objectCount);
        int w = settings.Window;
        if (counts.Count < 2 * w) return Keep($"{counts.Count} of {2 * w} frames needed to compare");
        double before = counts.Skip(counts.Count - 2 * w).Take(w).Average();
        double latest = counts.Skip(counts.Count - w).Average();
        // Against at least one object, so a start from empty frames is a rise, not a division by zero.
        double change = (latest - before) / Math.Max(before, 1);
        string means = FormattableString.Invariant($"mean count {before:0.0} -> {latest:0.0} ({change:+0%;-0%;0%})");
        double next = change > settings.Change ? Math.Max(settings.MinInterval, Interval / 2)
            : change < -settings.Change ? Math.Min(settings.MaxInterval, Interval * 2)
            : Interval;
        if (next == Interval) return Keep(means);
        var decision = new Decision(next, true, FormattableString.Invariant($"{means}: frame interval {Interval:0.000} s -> {next:0.000} s"));
        Interval = next;
        counts.Clear();
        return decision;
    }

    public Decision OnFailed(string reason)
    {
        failuresInARow++;
        bool alert = failuresInARow == settings.MaxFailures;
        return new Decision(Interval, false, alert ? $"{failuresInARow} frames in a row failed, the last: {reason}" : $"frame failed: {reason}", alert);
    }

    private Decision Keep(string why) => new(Interval, false, why);
}
