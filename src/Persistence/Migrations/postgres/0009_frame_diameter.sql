-- The diameter each frame ran at and where it came from (given, diam_labels, size_model for a frame estimated, reused for
-- one that kept its acquisition's estimate), and the seconds the estimate cost: SegmentWorker:Diameter 0 estimates once
-- per acquisition (issue 23). Frames segmented before this have NULL.
ALTER TABLE frame_stats ADD COLUMN diameter DOUBLE PRECISION NULL;
ALTER TABLE frame_stats ADD COLUMN diameter_source TEXT NULL;
ALTER TABLE frame_stats ADD COLUMN size_estimate_seconds DOUBLE PRECISION NULL;
