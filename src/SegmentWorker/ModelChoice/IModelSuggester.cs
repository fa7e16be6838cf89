using AcqSeg.Imaging.Io;
using AcqSeg.Models.Assignment;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker.ModelChoice;

/// <summary>Picks a model for an acquisition nobody assigned one to, from its first frame (e.g. by style).</summary>
public interface IModelSuggester
{
    Task<string> SuggestAsync(string acquisition, ImageData frame, CancellationToken cancel);
}

/// <summary>Suggests the configured default model (ModelChoice:DefaultModel) for every acquisition.</summary>
public sealed class DefaultModelSuggester(IOptions<ModelChoiceOptions> options) : IModelSuggester
{
    public Task<string> SuggestAsync(string acquisition, ImageData frame, CancellationToken cancel)
    {
        string model = options.Value.DefaultModel;
        if (string.IsNullOrWhiteSpace(model))
            throw new InvalidOperationException(
                $"acquisition '{acquisition}' has no model: assign one (acqseg assign {acquisition} MODEL), add a ModelChoice:Rules entry or set ModelChoice:DefaultModel");
        return Task.FromResult(model);
    }
}
