using Prometheus;

namespace AcqSeg.ServiceDefaults;

/// <summary>
/// Every Prometheus metric the roles export (names acqseg_&lt;thing&gt;_&lt;unit&gt;, few bounded labels). prometheus-net
/// keeps metrics in its process-wide registry; these fields are the handles to them, not state of ours.
/// </summary>
public static class AcqSegMetrics
{
    public static readonly Counter FramesAcquired = Metrics.CreateCounter(
        "acqseg_frames_acquired_total", "Frames found complete in a watched acquisition and published",
        new CounterConfiguration { LabelNames = ["acquisition", "model"] });

    public static readonly Counter FramesSegmented = Metrics.CreateCounter(
        "acqseg_frames_segmented_total", "Frames segmented (flagged or not)",
        new CounterConfiguration { LabelNames = ["acquisition", "model"] });

    public static readonly Counter FramesFlagged = Metrics.CreateCounter(
        "acqseg_frames_flagged_total", "Quality rules tripped, one count per frame and reason",
        new CounterConfiguration { LabelNames = ["acquisition", "model", "reason"] });

    public static readonly Counter FramesFailed = Metrics.CreateCounter(
        "acqseg_frames_failed_total", "Frames that could not be segmented (reason: error kind)",
        new CounterConfiguration { LabelNames = ["acquisition", "reason"] });

    public static readonly Counter OutputWriteRetries = Metrics.CreateCounter(
        "acqseg_output_write_retries_total", "Output writes tried again after a fault of the output disk (full, unmounted, read-only)");

    public static readonly Counter FramesRepublished = Metrics.CreateCounter(
        "acqseg_frames_republished_total", "Acquired frames published again: their lease ran out (a lost message) or a curator requeued them");

    public static readonly Counter Resegmentations = Metrics.CreateCounter(
        "acqseg_resegmentations_total", "Frames segmented again at a curator's request from the editor (outcome: done or failed)",
        new CounterConfiguration { LabelNames = ["model", "outcome"] });

    public static readonly Histogram SegmentSeconds = Metrics.CreateHistogram(
        "acqseg_segment_seconds", "Seconds per pipeline stage of one frame, by the model that segmented it",
        new HistogramConfiguration { LabelNames = ["stage", "model"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });

    public static readonly Histogram SegmentBatchFrames = Metrics.CreateHistogram(
        "acqseg_segment_batch_frames", "Frames whose tiles shared one network pass (frames of one model version, size and diameter in a batch; 1 = alone)",
        new HistogramConfiguration { LabelNames = ["model"], Buckets = [1, 2, 4, 8, 16, 32, 64] });

    public static readonly Gauge FramesInFlight = Metrics.CreateGauge(
        "acqseg_frames_in_flight", "Frames being segmented right now in this process");

    public static readonly Gauge QueueDepth = Metrics.CreateGauge(
        "acqseg_queue_depth", "Frames waiting (state Acquired in the database)",
        new GaugeConfiguration { LabelNames = ["queue"] });

    public static readonly Gauge ReviewQueueSize = Metrics.CreateGauge(
        "acqseg_review_queue_size", "Frames flagged and not yet reviewed");

    public static readonly Gauge ModelVersionInfo = Metrics.CreateGauge(
        "acqseg_model_version_info", "Latest version of each model lineage in use (value = version)",
        new GaugeConfiguration { LabelNames = ["model"] });

    public static readonly Counter TrainingRuns = Metrics.CreateCounter(
        "acqseg_training_runs_total", "Fine-tuning runs: started, and by outcome (published, rejected, failed)",
        new CounterConfiguration { LabelNames = ["model", "outcome"] });

    public static readonly Histogram TrainingSeconds = Metrics.CreateHistogram(
        "acqseg_training_seconds", "Wall time of a fine-tuning run",
        new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.ExponentialBuckets(1, 2, 14) });

    public static readonly Gauge TrainingAp = Metrics.CreateGauge(
        "acqseg_training_ap50", "AP@0.5 on held-back corrected frames of the last run (which: current, candidate)",
        new GaugeConfiguration { LabelNames = ["model", "which"] });

    public static readonly Gauge EventStreamClients = Metrics.CreateGauge(
        "acqseg_event_stream_clients", "Clients connected to this review host's frame event stream (GET /api/events)");

    public static readonly Counter EventStreamDrops = Metrics.CreateCounter(
        "acqseg_event_stream_dropped_clients_total", "Event stream clients dropped because they read too slowly (their buffer filled)");
}
