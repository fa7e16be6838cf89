using System.CommandLine;
using AcqSeg.Cli.Commands;
using AcqSeg.Cli.Commands.Zoo;

namespace AcqSeg.Cli;

/// <summary>The `acqseg` command line. Exit codes: 0 success, 1 an input failed (others still processed), 2 usage error.</summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int InputFailed = 1;
    public const int UsageError = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Console.In);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>, reading standard input from <paramref name="stdin"/>
    /// (e.g. `acqseg users add NAME --password-stdin`).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var console = new CliConsole(stdout, stderr) { In = stdin };
        var root = new RootCommand("AcqSeg: Cellpose-style cell segmentation for live microscopy")
        {
            SegmentCommand.Create(console),
            RemaskCommand.Create(console),
            FlowsCommand.Create(console),
            EvalCommand.Create(console),
            BenchCommand.Create(console),
            TrainCommand.Create(console),
            HitlCommand.Create(console),
            HitlServiceCommand.Create(console),
            PlotCommand.Create(console),
            RunCommand.Create(console),
            AssignCommand.Create(console),
            RequeueCommand.Create(console),
            SoakCommand.Create(console),
            ZooCommand.Create(console),
            SynthCommand.Create(console),
            DemoCommand.Create(console),
            UsersCommand.Create(console),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line per problem, naming the offending argument; the help text stays behind --help.
            foreach (var e in parse.Errors) stderr.WriteLine($"acqseg: {Plain(e.Message)}");
            stderr.WriteLine("acqseg: run 'acqseg --help' or 'acqseg <command> --help' for usage");
            return UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"acqseg: {ex.Message}");
            return UsageError;
        }
    }

    /// <summary>A parser message in the user's words: "expected a number", not "expected type 'System.Double'".</summary>
    public static string Plain(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @" as expected type '([^']+)'\.?", m => ": expected " + TypeWords(m.Groups[1].Value));

    private static string TypeWords(string type)
    {
        string inner = System.Text.RegularExpressions.Regex.Match(type, @"System\.Nullable`1\[(.+)\]") is { Success: true } n ? n.Groups[1].Value : type;
        return inner switch
        {
            "System.Double" or "System.Single" or "System.Decimal" => "a number, e.g. 30 or 17.5",
            "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" => "a whole number, e.g. 4",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration such as 00:05:00",
            _ => "a value of another kind (see --help)",
        };
    }
}

/// <summary>A bad argument value found after parsing (e.g. a file that does not exist): exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Where commands write: tests pass their own writers.</summary>
public sealed class CliConsole(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Error { get; } = stderr;
    public TextReader In { get; init; } = Console.In;
    public bool InIsTerminal => ReferenceEquals(In, Console.In) && !Console.IsInputRedirected;
    /// <summary>Whether stderr is a terminal (a progress bar) or a file or pipe (lines); tests set it to see either.</summary>
    public bool ErrorIsTerminal { get; init; } = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
}
