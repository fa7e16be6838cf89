namespace AcqSeg.Cli;

/// <summary>A one-line progress bar on stderr, drawn only for folders on a terminal.</summary>
public sealed class ConsoleProgress(CliConsole console, int total, bool enabled)
{
    private readonly DateTime _start = DateTime.UtcNow;
    private int _done;

    public void Step(string current)
    {
        _done++;
        if (!enabled) return;
        const int width = 30;
        int filled = total == 0 ? width : _done * width / total;
        double elapsed = (DateTime.UtcNow - _start).TotalSeconds;
        double eta = _done == 0 ? 0 : elapsed / _done * (total - _done);
        string name = current.Length > 30 ? "…" + current[^29..] : current;
        console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {_done}/{total} {elapsed:0}s eta {eta:0}s {name,-30}");
        if (_done == total) console.Error.WriteLine();
    }
}
