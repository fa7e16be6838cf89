using System.Globalization;

namespace AcqSeg.Cli.Tests;

/// <summary>`acqseg bench --ui` on a small frame: it must open the editor, feed it input and print every figure (the
/// figures themselves are the command's, not the test's: nothing here is timed).</summary>
public class UiBenchTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Theory]
    [InlineData("--ui-size belongs to --ui", "--ui-size", "512")]
    [InlineData("--ui-size 100 must be 256-8192", "--ui", "--ui-size", "100")]
    [InlineData("apt-get install -y chromium", "--ui", "--chromium", "/nonexistent/chromium")]
    public void UiBench_BadOptionsOrNoBrowser_AreUsageErrorsNamingTheFix(string expected, params string[] options)
    {
        var run = CliRun.Of(["bench", .. options]);
        Assert.True(run.ExitCode == CliApp.UsageError && run.Error.Contains(expected, StringComparison.Ordinal), $"exit {run.ExitCode}: {run.Error}");
    }

    [SkippableFact]
    public void Ui_SmallFrame_PrintsFirstPaintEditsPanViewsAndBytesOnTheWire()
    {
        Skip.If(!File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium");
        var run = CliRun.Of("bench", "--ui", "--ui-size", "512", "--ui-loads", "2");
        Assert.True(run.ExitCode == CliApp.Ok, run.Error + run.Out);
        string[] Row(string start) =>
            (run.Out.Split('\n').SingleOrDefault(l => l.StartsWith($"| {start}", StringComparison.Ordinal))
             ?? throw new Xunit.Sdk.XunitException($"no row '{start}' in:\n{run.Out}")).Split('|').Select(c => c.Trim()).ToArray();
        Assert.Equal("2", Row("time to first paint")[2]);
        Assert.Equal("5", Row("edit to painted frame: delete")[2]);
        Assert.Equal("5", Row("edit to painted frame: undo")[2]);
        Assert.Equal("5", Row("edit to painted frame: brush")[2]);
        Assert.Equal("60", Row("pan step to painted frame")[2]);
        foreach (string row in new[] { "time to first paint", "first switch to the flows view", "first switch to the cellprob view", "switch to the flows view after reopening" })
            Assert.True(double.Parse(Row(row)[3], CultureInfo.InvariantCulture) > 0, $"{row}: {string.Join(" | ", Row(row))}");
        // The labels travel as uint16 and gzip takes most of them off.
        var labels = Row("labels |");
        Assert.Equal(("uint16", "524288"), (labels[3], labels[4]));
        Assert.True(long.Parse(labels[5], CultureInfo.InvariantCulture) < 524288 / 4, string.Join(" | ", labels));
        Assert.Contains("load average before:", run.Out);
    }
}
