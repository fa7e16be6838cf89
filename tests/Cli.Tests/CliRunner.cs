namespace AcqSeg.Cli.Tests;

/// <summary>Runs `acqseg` in process and captures what it prints.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static CliRun Of(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return new CliRun(code, o.ToString(), e.ToString());
    }
}
