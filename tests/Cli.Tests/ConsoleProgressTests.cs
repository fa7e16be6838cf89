namespace AcqSeg.Cli.Tests;

/// <summary>The progress bar: drawn on stderr only when the command enables it, one line redrawn in place.</summary>
public class ConsoleProgressTests
{
    private static (string Out, string Error) Run(bool enabled)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var progress = new ConsoleProgress(new CliConsole(stdout, stderr), 3, enabled);
        for (int i = 0; i < 3; i++) progress.Step($"frame_{i}.tif");
        return (stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Disabled_DrawsNothing()
    {
        Assert.Equal(("", ""), Run(enabled: false));
    }

    [Fact]
    public void Enabled_RedrawsOneLineOnStderr_AndEndsIt()
    {
        // Spectre.Console draws where the terminal takes ANSI codes, which it tells by TERM.
        string? term = Environment.GetEnvironmentVariable("TERM");
        Environment.SetEnvironmentVariable("TERM", "xterm-256color");
        try
        {
            var (stdout, stderr) = Run(enabled: true);
            Assert.Equal("", stdout);
            Assert.Equal(3, stderr.Count(c => c == '\r'));
            Assert.Contains("3/3", stderr);
            Assert.Contains("frame_2.tif", stderr);
            Assert.EndsWith("\n", stderr);
            Assert.Equal(1, stderr.Count(c => c == '\n'));
        }
        finally
        {
            Environment.SetEnvironmentVariable("TERM", term);
        }
    }
}
