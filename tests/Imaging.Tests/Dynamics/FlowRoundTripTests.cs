using System.Diagnostics;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;
using AcqSeg.TestSupport;
using Xunit.Abstractions;

namespace AcqSeg.Imaging.Tests.Dynamics;

/// <summary>
/// Ground-truth masks -> unit flows -> masks again. The networks predict 5x the unit flows, so the flows go in as
/// dP = 5 * flow, with a cell probability far above the threshold inside objects and far below outside.
/// </summary>
public sealed class FlowRoundTripTests(ITestOutputHelper output)
{
    public static MaskResult RoundTrip(LabelImage masks)
    {
        var flows = MaskDynamics.FlowsFromMasks(masks);
        int n = masks.Labels.Length;
        var dy = new float[n];
        var dx = new float[n];
        var cellprob = new float[n];
        for (int i = 0; i < n; i++)
        {
            dy[i] = 5f * flows.DY[i];
            dx[i] = 5f * flows.DX[i];
            cellprob[i] = masks.Labels[i] > 0 ? 10f : -10f;
        }
        return MaskDynamics.ComputeMasks(dy, dx, cellprob, masks.Height, masks.Width);
    }

    [SkippableFact]
    public void RoundTrip_EveryRealMask_RecoversTheObjects()
    {
        var pairs = SharedData.RealPairs().ToList();
        if (pairs.Count == 0) SharedData.RequireDirectory(Path.Combine("data", "real"));
        Skip.If(pairs.Count == 0, "no real image pairs in ../shared/data/real");
        var all = new List<ImageScores>();
        var watch = Stopwatch.StartNew();
        foreach (var (folder, name, _, masksPath) in pairs)
        {
            var truth = TiffReader.ReadLabels(masksPath);
            long t0 = watch.ElapsedMilliseconds;
            var result = RoundTrip(truth);
            var scores = SegmentationMetrics.Evaluate(truth, result.Masks);
            all.Add(scores);
            var at = scores.At(0.5);
            output.WriteLine($"{folder}/{name} {truth.Height}x{truth.Width}: {scores.TrueObjects} -> {scores.PredictedObjects} objects " +
                             $"(clustered {result.MasksBeforeQc}, flow QC -{result.DroppedByFlowQc}, small -{result.DroppedAsSmall}), " +
                             $"AP@0.5 {at.AveragePrecision:F4}, IoU {at.MeanMatchedIou:F4}, AP@0.9 {scores.At(0.9).AveragePrecision:F4}, " +
                             $"{watch.ElapsedMilliseconds - t0} ms (dynamics {result.DynamicsSeconds:F2} s, QC {result.QcSeconds:F2} s)");
        }
        var mean = SegmentationMetrics.Mean(all);
        output.WriteLine($"mean over {mean.Images} images: AP@0.5 {mean.At(0.5).AveragePrecision:F4}, AP@0.75 {mean.At(0.75).AveragePrecision:F4}, " +
                         $"AP@0.9 {mean.At(0.9).AveragePrecision:F4}, AJI {mean.AggregatedJaccard:F4}; {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(mean.At(0.5).AveragePrecision >= 0.98, $"mean AP@0.5 {mean.At(0.5).AveragePrecision}");
    }
}
