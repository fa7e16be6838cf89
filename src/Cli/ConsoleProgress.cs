using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AcqSeg.Cli;

/// <summary>
/// What a command that loops over files says while it works, on stderr (stdout keeps what a script reads, such as
/// `segment --timings`' JSON lines).
/// On a terminal: a one-line progress bar, drawn when the command asks for one (inputs that are folders) and the
/// terminal takes ANSI codes. Spectre.Console renders the bar, elapsed and remaining time from its
/// <see cref="ProgressTask"/>; the line is redrawn in place at each step rather than by Spectre's live display, whose
/// refresh thread would draw between the error lines the commands write to the same stderr.
/// Elsewhere (a log file, a pipe, CI): one line per file and a summary line at the end, so `acqseg segment DIR > log 2>&1`
/// shows what was done instead of nothing, and no redrawn line litters the log.
/// </summary>
public sealed class ConsoleProgress
{
    private readonly string _command;
    private readonly int _total;
    private readonly TextWriter? _lines;
    private readonly IAnsiConsole? _ansi;
    private readonly ProgressTask? _task;
    private readonly ProgressBarColumn _bar = new() { Width = 30 };
    private readonly ElapsedTimeColumn _elapsed = new();
    private readonly RemainingTimeColumn _remaining = new();
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private TimeSpan _lastStep;
    private int _done, _failed;
    private long _objects;
    private bool _countsObjects;

    /// <param name="command">The command's name, which starts every line ("acqseg segment: ...").</param>
    /// <param name="bar">Draw the bar on a terminal; without it a terminal shows only what the command prints itself.</param>
    public ConsoleProgress(CliConsole console, string command, int total, bool bar)
    {
        _command = command;
        _total = total;
        if (!console.ErrorIsTerminal)
        {
            _lines = console.Error;
            return;
        }
        if (!bar) return;
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        // A terminal without ANSI codes (TERM=dumb) gets no bar: the line could not be redrawn, nor the bar coloured.
        if (!ansi.Profile.Capabilities.Ansi) return;
        _ansi = ansi;
        _task = new ProgressTask(0, "files", Math.Max(total, 1), autoStart: true, TimeProvider.System);
    }

    /// <summary>A file done. <paramref name="detail"/> is what its line says (e.g. "12 objects, diameter 30.0 px");
    /// <paramref name="objects"/>, when given, goes into the summary's object count.</summary>
    public void Done(string file, string detail, int? objects = null)
    {
        if (objects is { } n)
        {
            _objects += n;
            _countsObjects = true;
        }
        var seconds = (_wall.Elapsed - _lastStep).TotalSeconds;
        _lines?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acqseg {_command}: {file}: {detail}, {seconds:F2} s"));
        Step(file);
    }

    /// <summary>A file that failed; the command has printed its reason (that is the file's line).</summary>
    public void Failed(string file)
    {
        _failed++;
        Step(file);
    }

    /// <summary>The summary line (files, objects, failures, wall time) where lines are written, nothing on a terminal.</summary>
    public void Finish()
    {
        if (_lines is null) return;
        string objects = _countsObjects ? $"{_objects} objects, " : "";
        _lines.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"acqseg {_command}: {_done} of {_total} files, {objects}{_failed} failed, {_wall.Elapsed.TotalSeconds:F1} s"));
    }

    private void Step(string file)
    {
        _done++;
        _lastStep = _wall.Elapsed;
        if (_ansi is null || _task is null) return;
        _task.Increment(1);
        var options = RenderOptions.Create(_ansi);
        string name = Path.GetFileName(file);
        if (name.Length > 30) name = "…" + name[^29..];
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
