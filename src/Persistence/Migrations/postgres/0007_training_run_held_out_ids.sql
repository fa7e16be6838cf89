-- Which corrected frames a training run held back for scoring (frame ids, comma-separated): the version it made never
-- trained on them, so the next round may hold them back again or learn from them.
ALTER TABLE training_runs ADD COLUMN held_out_frame_ids TEXT NULL;
