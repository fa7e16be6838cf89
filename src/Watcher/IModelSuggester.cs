using Microsoft.Extensions.Options;

namespace AcqSeg.Watcher;

/// <summary>Picks a model for an acquisition nobody assigned one to, from its first frame (e.g. by style).</summary>
public interface IModelSuggester
{
    Task<string> SuggestAsync(string acquisition, string framePath, CancellationToken cancel);
}

/// <summary>Suggests the configured default model (Watcher:DefaultModel) for every acquisition.</summary>
public sealed class DefaultModelSuggester(IOptions<WatcherOptions> options) : IModelSuggester
{
    public Task<string> SuggestAsync(string acquisition, string framePath, CancellationToken cancel)
    {
        string model = options.Value.DefaultModel;
        if (string.IsNullOrWhiteSpace(model))
            throw new InvalidOperationException(
                $"acquisition '{acquisition}' has no model: assign one (acqseg assign {acquisition} MODEL), add a Watcher:Assignments rule or set Watcher:DefaultModel");
        return Task.FromResult(model);
    }
}
