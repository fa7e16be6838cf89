using System.Diagnostics;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Pipeline;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Engine.Training;

/// <summary>One round of the simulated human-in-the-loop run.</summary>
public sealed record HitlStep(int Step, string Image, int ManualRois, int CumulativeManualRois, int Kept, int Removed, int TrainImages,
    double TestAp50, double TrainSeconds, int Redrawn = 0);

/// <summary>
/// The Cellpose 2.0 paper's human-in-the-loop experiment with a curator simulated from ground truth: the current model
/// segments the next image; the curator corrects it (<see cref="SimulatedCurator"/>); the model is retrained from the
/// pretrained one on all corrected images so far with the online schedule; the test folder is scored after each step.
/// </summary>
public sealed class HumanInTheLoop(string pretrainedPath, DeviceChoice device, int chan, int chan2, TrainSchedule schedule, int seed, string workDir,
    double redrawBelow = 0)
{
    /// <summary>AP@0.5 of the pretrained model on the test folder, before any correction (step 0).</summary>
    public double Baseline(IReadOnlyList<(string Image, string Masks)> test) => FineTuning.MeanAp50(pretrainedPath, test, chan, chan2, device);

    /// <summary>
    /// Runs the loop. <paramref name="completed"/> are steps an interrupted run already recorded: their step models
    /// (in the work folder) are reused instead of retrained, and each image's correction is recomputed from them, so
    /// the loop continues exactly where it stopped; a recomputed correction that differs from the record means other
    /// inputs and is an error.
    /// </summary>
    public IReadOnlyList<HitlStep> Run(IReadOnlyList<(string Image, string Masks)> images, IReadOnlyList<(string Image, string Masks)> test,
        int steps, CancellationToken cancel, Action<HitlStep> onStep, IReadOnlyList<HitlStep>? completed = null)
    {
        completed ??= [];
        Directory.CreateDirectory(workDir);
        string current = pretrainedPath;
        var corrected = new List<TrainingSample>();
        var done = new List<HitlStep>();
        int cumulative = 0;
        for (int k = 0; k < Math.Min(steps, images.Count); k++)
        {
            cancel.ThrowIfCancellationRequested();
            var (imagePath, masksPath) = images[k];
            var image = TiffReader.Read(imagePath);
            var truth = LabelFiles.Read(masksPath);
            double d = TrainingData.Diameter(truth);
            LabelImage predicted;
            using (var model = CellposeModel.Load(current, device))
            {
                predicted = new FrameSegmenter(model).Segment(image, new SegmentSettings { Chan = chan, Chan2 = chan2, Diameter = d > 0 ? d : null }).Masks;
            }
            var correction = SimulatedCurator.Correct(truth, predicted, redrawBelow);
            cumulative += correction.Drawn;
            corrected.Add(TrainingData.Prepare(Path.GetFileNameWithoutExtension(imagePath), image, correction.Corrected, chan, chan2));

            string next = Path.Combine(workDir, $"step_{k + 1:D2}.pth");
            if (k < completed.Count && File.Exists(next))
            {
                var recorded = completed[k];
                if (recorded.Image != Path.GetFileName(imagePath) || recorded.ManualRois != correction.Drawn || recorded.Kept != correction.Kept || recorded.Removed != correction.Removed
                    || recorded.Redrawn != correction.Redrawn)
                    throw new InvalidOperationException(
                        $"step {k + 1} of the recorded run corrected {recorded.Image} ({recorded.ManualRois} drawn, {recorded.Kept} kept, {recorded.Removed} removed) but " +
                        $"{Path.GetFileName(imagePath)} now gives {correction.Drawn} drawn, {correction.Kept} kept, {correction.Removed} removed: " +
                        $"the inputs differ from the run in {workDir}; use another output folder");
                current = next;
                done.Add(recorded);
                continue;
            }

            var clock = Stopwatch.StartNew();
            // Always from the pretrained model, on everything corrected so far (as the paper's GUI retraining does).
            FineTuning.Train(pretrainedPath, null, 0, corrected, schedule, seed + k, device, next, cancel);
            double seconds = clock.Elapsed.TotalSeconds;
            current = next;
            var step = new HitlStep(k + 1, Path.GetFileName(imagePath), correction.Drawn, cumulative, correction.Kept, correction.Removed,
                corrected.Count, FineTuning.MeanAp50(current, test, chan, chan2, device), seconds, correction.Redrawn);
            done.Add(step);
            onStep(step);
        }
        return done;
    }
}
