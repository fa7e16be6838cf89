namespace AcqSeg.Cli.Tests;

/// <summary>What a command looping over files says: a bar redrawn in place on a terminal, lines elsewhere.</summary>
public class ConsoleProgressTests
{
    private static (string Out, string Error) Run(bool terminal, bool bar)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var progress = new ConsoleProgress(new CliConsole(stdout, stderr) { ErrorIsTerminal = terminal }, "segment", 3, bar);
        progress.Done("in/frame_0.tif", "12 objects, diameter 30.0 px", 12);
        progress.Failed("in/frame_1.tif");
        progress.Done("in/frame_2.tif", "5 objects, diameter 17.5 px", 5);
        progress.Finish();
        return (stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Terminal_WithoutBar_DrawsNothing()
    {
        Assert.Equal(("", ""), Run(terminal: true, bar: false));
    }

    [Fact]
    public void Terminal_RedrawsOneLineOnStderr_AndEndsIt()
    {
        // Spectre.Console draws where the terminal takes ANSI codes, which it tells by TERM.
        string? term = Environment.GetEnvironmentVariable("TERM");
        Environment.SetEnvironmentVariable("TERM", "xterm-256color");
        try
        {
            var (stdout, stderr) = Run(terminal: true, bar: true);
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NotATerminal_WritesALinePerFileDone_AndASummary_NoRedraws(bool bar)
    {
        var (stdout, stderr) = Run(terminal: false, bar);

        Assert.Equal("", stdout);
        Assert.DoesNotContain('\r', stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^acqseg segment: in/frame_0\.tif: 12 objects, diameter 30\.0 px, \d+\.\d\d s$", lines[0]);
        Assert.Matches(@"^acqseg segment: in/frame_2\.tif: 5 objects, diameter 17\.5 px, \d+\.\d\d s$", lines[1]);
        Assert.Matches(@"^acqseg segment: 3 of 3 files, 17 objects, 1 failed, \d+\.\d s$", lines[2]);
    }
}
