using System.ComponentModel.DataAnnotations;

namespace AcqSeg.Models.Assignment;

/// <summary>
/// How an acquisition gets its model (section "ModelChoice"): an operator's assignment first, then the first rule
/// whose pattern matches, then the choice stored for an earlier frame; an acquisition with none of these gets a model
/// from its first frame's style in the segment worker, or <see cref="DefaultModel"/> where no style choice is possible.
/// </summary>
public sealed class ModelChoiceOptions : IValidatableObject
{
    public const string SectionName = "ModelChoice";

    /// <summary>Acquisition pattern (* and ?) -> model; the first match wins, after an operator's `acqseg assign`.</summary>
    public List<AssignmentRule> Rules { get; set; } = [];

    /// <summary>The model picked when nothing else assigns one and no style-based suggestion is possible.</summary>
    public string DefaultModel { get; set; } = "";

    /// <summary>The zoo model whose network computes styles for the style-based suggestion (Cellpose uses its
    /// general model); the suggestion is used when the zoo has it and models carry styles made with it.</summary>
    public string StyleReferenceModel { get; set; } = "general";

    /// <summary>Neighbours that vote in the style-based suggestion.</summary>
    [Range(1, 50)]
    public int SuggestionNeighbours { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var rule in Rules)
        {
            if (string.IsNullOrWhiteSpace(rule.Pattern) || string.IsNullOrWhiteSpace(rule.Model))
                yield return new ValidationResult("ModelChoice:Rules entries need both Pattern and Model", [nameof(Rules)]);
        }
    }
}

public sealed class AssignmentRule
{
    public string Pattern { get; set; } = "";
    public string Model { get; set; } = "";
}
