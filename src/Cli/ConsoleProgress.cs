using Spectre.Console;
using Spectre.Console.Rendering;

namespace AcqSeg.Cli;

/// <summary>
/// A one-line progress bar on stderr, drawn only when <c>enabled</c> (the commands enable it for folders on a terminal,
/// so captured or redirected output never holds it) and the terminal takes ANSI codes. Spectre.Console renders the bar, elapsed and remaining time
/// from its <see cref="ProgressTask"/>; the line is redrawn in place at each step rather than by Spectre's live
/// display, whose refresh thread would draw between the error lines the commands write to the same stderr.
/// </summary>
public sealed class ConsoleProgress
{
    private readonly int _total;
    private readonly IAnsiConsole? _ansi;
    private readonly ProgressTask? _task;
    private readonly ProgressBarColumn _bar = new() { Width = 30 };
    private readonly ElapsedTimeColumn _elapsed = new();
    private readonly RemainingTimeColumn _remaining = new();
    private int _done;

    public ConsoleProgress(CliConsole console, int total, bool enabled)
    {
        _total = total;
        if (!enabled) return;
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        // A terminal without ANSI codes (TERM=dumb) gets no bar: the line could not be redrawn, nor the bar coloured.
        if (!ansi.Profile.Capabilities.Ansi) return;
        _ansi = ansi;
        _task = new ProgressTask(0, "files", Math.Max(total, 1), autoStart: true, TimeProvider.System);
    }

    public void Step(string current)
    {
        _done++;
        if (_ansi is null || _task is null) return;
        _task.Increment(1);
        var options = RenderOptions.Create(_ansi);
        string name = current.Length > 30 ? "…" + current[^29..] : current;
        _ansi.WriteAnsi(w => w.Write("\r").EraseInLine(2));
        _ansi.Write(_bar.Render(options, _task, TimeSpan.Zero));
        _ansi.Write(new Text($" {_done}/{_total} "));
        _ansi.Write(_elapsed.Render(options, _task, TimeSpan.Zero));
        _ansi.Write(new Text(" eta "));
        _ansi.Write(_remaining.Render(options, _task, TimeSpan.Zero));
        _ansi.Write(new Text(" " + name));
        if (_done == _total) _ansi.WriteLine();
    }
}
