using System.CommandLine;
using AcqSeg.Examples.AdaptiveController;

var service = new Option<Uri>("--service") { Description = "The review host (acqseg run's HTTP address)", DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080") };
var tokenFile = new Option<FileInfo?>("--token-file") { Description = "File holding the API token (else the ACQSEG_TOKEN environment variable)" };
var acquisitions = new Option<string[]>("--acquisition") { Description = "Acquisition to follow (repeatable, * wildcards); default all", AllowMultipleArgumentsPerToken = true };
var rateFile = new Option<string>("--rate-file") { Description = "File the frame interval (seconds) is written to", Required = true };
var interval = new Option<double>("--interval") { Description = "Frame interval at start, seconds", DefaultValueFactory = _ => 1.0 };
var minInterval = new Option<double>("--min-interval") { Description = "Shortest interval, seconds", DefaultValueFactory = _ => 0.25 };
var maxInterval = new Option<double>("--max-interval") { Description = "Longest interval, seconds", DefaultValueFactory = _ => 8.0 };
var window = new Option<int>("--window") { Description = "Frames per window; the latest window's mean count is compared with the one before", DefaultValueFactory = _ => 5 };
var change = new Option<double>("--change") { Description = "Relative change of the mean count that halves (rise) or doubles (fall) the interval", DefaultValueFactory = _ => 0.2 };
var maxFailures = new Option<int>("--max-failures") { Description = "Failed frames in a row that raise an alert", DefaultValueFactory = _ => 3 };
var maxFrames = new Option<int>("--max-frames") { Description = "Stop after this many segmented frames (0 = run until Ctrl+C)" };

var root = new RootCommand("Adapts a microscope's frame interval to the object counts AcqSeg reports on its event stream (GET /api/events)")
{
    service, tokenFile, acquisitions, rateFile, interval, minInterval, maxInterval, window, change, maxFailures, maxFrames,
};
root.SetAction(async (r, cancel) =>
{
    string? token = r.GetValue(tokenFile) is { } file
        ? (file.Exists ? File.ReadAllText(file.FullName).Trim() : null)
        : Environment.GetEnvironmentVariable("ACQSEG_TOKEN");
    if (string.IsNullOrEmpty(token))
    {
        Console.Error.WriteLine(r.GetValue(tokenFile) is { } missing
            ? $"--token-file {missing.FullName}: file not found or empty"
            : "no API token: set ACQSEG_TOKEN or give --token-file (make one with `acqseg users token NAME --db DB`)");
        return 2;
    }
    var rule = new RuleSettings
    {
        Interval = r.GetValue(interval), MinInterval = r.GetValue(minInterval), MaxInterval = r.GetValue(maxInterval),
        Window = r.GetValue(window), Change = r.GetValue(change), MaxFailures = r.GetValue(maxFailures),
    };
    if (rule.Problem() is { } problem)
    {
        Console.Error.WriteLine(problem);
        return 2;
    }
    var settings = new ControllerSettings
    {
        Service = r.GetValue(service)!, Token = token, Acquisitions = r.GetValue(acquisitions) ?? [], RateFile = r.GetValue(rateFile)!,
        Rule = rule, MaxFrames = r.GetValue(maxFrames),
    };
    using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    try
    {
        await new Controller(settings, http, Console.Out).RunAsync(cancel);
        return 0;
    }
    catch (ControllerException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 1;
    }
    catch (OperationCanceledException)
    {
        return 0;
    }
});
return await root.Parse(args).InvokeAsync();
