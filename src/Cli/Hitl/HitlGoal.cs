using System.Globalization;

namespace AcqSeg.Cli.Hitl;

/// <summary>
/// The goal of a human-in-the-loop run (issue 19): within <see cref="Margin"/> AP@0.5 of a reference model trained on
/// all images of the type. One place for the arithmetic, the JSON fields and the verdict, shared by `acqseg hitl` and
/// `acqseg hitl-service`.
/// </summary>
public sealed record HitlGoal(string Reference, double ReferenceAp)
{
    public const double Margin = 0.03;

    public double Goal => ReferenceAp - Margin;

    /// <summary>The cumulative manual ROIs at which the curve first reached the goal (0 when the start model did), or null.</summary>
    public int? ReachedAt(double startAp, IEnumerable<(int ManualRois, double Ap)> curve) =>
        startAp >= Goal ? 0 : curve.Where(p => p.Ap >= Goal).Select(p => (int?)p.ManualRois).FirstOrDefault();

    /// <summary>reference, reference_ap50, goal_ap50 and goal_reached_at_rois, as baselines.json and service-hitl.json hold them.</summary>
    public void Record(IDictionary<string, object?> json, int? reachedAt)
    {
        json["reference"] = Reference;
        json["reference_ap50"] = ReferenceAp;
        json["goal_ap50"] = Goal;
        json["goal_reached_at_rois"] = reachedAt;
    }

    public string Verdict(int? reachedAt, int manualRois, double? best = null) => reachedAt is { } at
        ? string.Create(CultureInfo.InvariantCulture, $"reference {Reference} AP@0.5 {ReferenceAp:0.000}: within {Margin} after {at} manual ROIs")
        : string.Create(CultureInfo.InvariantCulture, $"reference {Reference} AP@0.5 {ReferenceAp:0.000}: not within {Margin} after {manualRois} manual ROIs")
          + (best is { } b ? string.Create(CultureInfo.InvariantCulture, $" (best {b:0.000})") : "");
}
