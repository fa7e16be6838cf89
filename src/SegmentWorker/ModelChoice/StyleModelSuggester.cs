using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Zoo;
using AcqSeg.Imaging.Io;
using AcqSeg.Models;
using AcqSeg.Models.Assignment;
using AcqSeg.Models.Zoo;
using AcqSeg.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace AcqSeg.SegmentWorker.ModelChoice;

/// <summary>
/// Cellpose 2.0's model choice for a new acquisition, made in the segment worker (which holds the networks): the first
/// frame's style (from the zoo's reference model, e.g.
/// `general`) is compared with the stored training styles of every zoo model and the k nearest vote. Where the zoo
/// has no reference model or no comparable styles, the configured default model is used, and the log says why.
/// </summary>
public sealed partial class StyleModelSuggester(IOptions<ModelChoiceOptions> choice, IOptions<ModelsOptions> models, ILogger<StyleModelSuggester> log)
    : IModelSuggester, IDisposable
{
    private readonly DefaultModelSuggester _fallback = new(choice);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (ModelSuggester Suggester, CellposeModel Reference)? _loaded;
    private string? _unavailable;

    public async Task<string> SuggestAsync(string acquisition, ImageData frame, CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel);
        try
        {
            var loaded = Load();
            if (loaded is null)
            {
                LogFallback(acquisition, _unavailable!);
                return await _fallback.SuggestAsync(acquisition, frame, cancel);
            }
            var (suggester, reference) = loaded.Value;
            var style = ZooNetwork.StyleOf(reference, frame);
            var choice = suggester.Suggest(style);
            LogSuggestion(acquisition, choice.Model, string.Join(", ", choice.Votes.Select(v => $"{v.Key}: {v.Value}")));
            return choice.Model;
        }
        finally
        {
            _gate.Release();
        }
    }

    private (ModelSuggester, CellposeModel)? Load()
    {
        if (_loaded is not null) return _loaded;
        if (_unavailable is not null) return null;
        string root = models.Value.ZooRoot, reference = choice.Value.StyleReferenceModel;
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root))
        {
            _unavailable = "no zoo folder configured (Models:ZooRoot)";
            return null;
        }
        var zoo = new ModelZoo(root);
        if (!zoo.Contains(reference))
        {
            _unavailable = $"the zoo at {root} has no reference model '{reference}' (ModelChoice:StyleReferenceModel)";
            return null;
        }
        try
        {
            var suggester = ModelSuggester.FromZoo(zoo, reference, choice.Value.SuggestionNeighbours, out _);
            _loaded = (suggester, CellposeModel.Load(zoo.WeightsPath(reference)));
            return _loaded;
        }
        catch (ZooException ex)
        {
            _unavailable = ex.Message;
            return null;
        }
    }

    public void Dispose()
    {
        _loaded?.Reference.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Acquisition {Acquisition}: style suggests model {Model} (votes {Votes})")]
    private partial void LogSuggestion(string acquisition, string model, string votes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Acquisition {Acquisition}: no style-based suggestion ({Reason}); using the default model")]
    private partial void LogFallback(string acquisition, string reason);
}
