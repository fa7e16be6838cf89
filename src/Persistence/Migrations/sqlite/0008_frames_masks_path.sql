-- The segment worker asks, for every frame, whether another file's frame already holds its plain output name.
CREATE INDEX IF NOT EXISTS frames_masks_path ON frames (masks_path);
