using System.IO.Enumeration;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.Watcher;

/// <summary>
/// An acquisition's model: an operator's assignment (database, `acqseg assign`), else the first configured rule
/// that matches, else an earlier suggestion, else a new suggestion (stored so the acquisition keeps it).
/// </summary>
public sealed class ModelAssignmentResolver(ModelStore store, IOptions<WatcherOptions> options, IModelSuggester suggester)
{
    public const string Operator = "operator";
    public const string Config = "config";
    public const string Suggestion = "suggestion";

    public async Task<(string Model, string Source)> ResolveAsync(string acquisition, string framePath, CancellationToken cancel)
    {
        var stored = await store.GetAssignmentAsync(acquisition, cancel);
        if (stored is { Source: Operator }) return (stored.Model, Operator);
        foreach (var rule in options.Value.Assignments)
        {
            if (FileSystemName.MatchesSimpleExpression(rule.Pattern, acquisition, ignoreCase: true)) return (rule.Model, Config);
        }
        if (stored is not null) return (stored.Model, stored.Source);
        string model = await suggester.SuggestAsync(acquisition, framePath, cancel);
        if (!await store.TryAssignAsync(acquisition, model, Suggestion, cancel))
        {
            // Someone assigned it meanwhile: theirs wins.
            var now = await store.GetAssignmentAsync(acquisition, cancel);
            if (now is not null) return (now.Model, now.Source);
        }
        return (model, Suggestion);
    }
}
