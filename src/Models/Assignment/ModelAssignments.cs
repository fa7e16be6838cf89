using System.IO.Enumeration;
using AcqSeg.Contracts;
using AcqSeg.Persistence;
using Microsoft.Extensions.Options;

namespace AcqSeg.Models.Assignment;

/// <summary>An acquisition's model and where the choice came from (<see cref="AssignmentSources"/>).</summary>
public sealed record ModelChoice(string Model, string Source);

/// <summary>
/// The one path by which acquisitions get models. The watcher asks <see cref="FixedAsync"/> when it registers a frame
/// (no network: an operator's choice, a rule, or the choice made for an earlier frame). A frame without one reaches
/// the segment worker unassigned, and the worker's style suggestion is stored by <see cref="ChooseAsync"/> (the first
/// frame's choice holds for the acquisition). Operators assign through <see cref="AssignAsync"/>: the AssignModel
/// consumer and `acqseg assign` both call it.
/// </summary>
public sealed class ModelAssignments(ModelStore store, ModelRegistry registry, IOptions<ModelChoiceOptions> options)
{
    public async Task<ModelChoice?> FixedAsync(string acquisition, CancellationToken cancel)
    {
        var stored = await store.GetAssignmentAsync(acquisition, cancel);
        if (stored is { Source: AssignmentSources.Operator }) return new ModelChoice(stored.Model, AssignmentSources.Operator);
        foreach (var rule in options.Value.Rules)
        {
            if (FileSystemName.MatchesSimpleExpression(rule.Pattern, acquisition, ignoreCase: true))
                return new ModelChoice(rule.Model, AssignmentSources.Config);
        }
        return stored is null ? null : new ModelChoice(stored.Model, stored.Source);
    }

    /// <summary>
    /// The acquisition's model, suggesting one (e.g. by the frame's style) only when nothing fixes it. Returns the
    /// event to announce when this call stored a new suggestion; when another worker stored one first, theirs wins.
    /// </summary>
    public async Task<(ModelChoice Choice, ModelAssigned? Announce)> ChooseAsync(string acquisition, Func<Task<string>> suggest, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(suggest);
        if (await FixedAsync(acquisition, cancel) is { } fixedChoice) return (fixedChoice, null);
        string model = await suggest();
        if (await store.TryAssignAsync(acquisition, model, AssignmentSources.Suggestion, cancel))
            return (new ModelChoice(model, AssignmentSources.Suggestion),
                new ModelAssigned(acquisition, model, AssignmentSources.Suggestion, DateTimeOffset.UtcNow));
        var stored = await FixedAsync(acquisition, cancel);
        return (stored ?? new ModelChoice(model, AssignmentSources.Suggestion), null);
    }

    /// <summary>Whether this process can tell that the model exists: a zoo model, a configured path or a lineage with
    /// versions in the database.</summary>
    public async Task<bool> IsKnownAsync(string model, CancellationToken cancel) =>
        registry.IsKnown(model) || await store.LatestAsync(model, cancel) is not null;

    /// <summary>An operator's choice: wins over rules and suggestions for the acquisition's next frames.</summary>
    /// <param name="verify">False where this process cannot see the service's configuration (the CLI): the caller
    /// checks <see cref="IsKnownAsync"/> itself and warns.</param>
    /// <exception cref="ModelNotFoundException">No zoo model, configured path or service lineage has that name.</exception>
    public async Task<ModelAssigned> AssignAsync(string acquisition, string model, CancellationToken cancel, bool verify = true)
    {
        if (verify && !await IsKnownAsync(model, cancel))
            throw new ModelNotFoundException(model,
                $"model '{model}' is not in the zoo, not configured (Models:Paths) and has no versions in this database; give a zoo model name");
        await store.AssignAsync(acquisition, model, AssignmentSources.Operator, cancel);
        return new ModelAssigned(acquisition, model, AssignmentSources.Operator, DateTimeOffset.UtcNow);
    }
}
