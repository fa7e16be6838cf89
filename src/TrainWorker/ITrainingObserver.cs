using AcqSeg.Engine.Training;
using AcqSeg.Persistence;

namespace AcqSeg.TrainWorker;

/// <summary>Sees a run's progress (dashboards, tests). Called on the training thread; <paramref name="cancel"/> is the
/// run's cancellation.</summary>
public interface ITrainingObserver
{
    void EpochFinished(TrainingRunRow run, EpochReport report);

    void CheckpointSaved(TrainingRunRow run, int nextEpoch, CancellationToken cancel);
}
