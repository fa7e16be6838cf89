-- A curator's request to segment a frame again with other settings (the editor's Re-segment; issue 22). The frame's
-- own segmentation and state stay; the proposal's masks are a file of their own. state: Requested, Done or Failed.
-- The requested settings are NULL where the worker's own setting was to run; the *_used columns are what ran.
CREATE TABLE resegmentations (
    id TEXT PRIMARY KEY,
    frame_id TEXT NOT NULL REFERENCES frames (id),
    model TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    diameter DOUBLE PRECISION NULL,
    flow_threshold DOUBLE PRECISION NULL,
    cellprob_threshold DOUBLE PRECISION NULL,
    state TEXT NOT NULL,
    model_version INTEGER NULL,
    diameter_used DOUBLE PRECISION NULL,
    diameter_source TEXT NULL,
    flow_threshold_used DOUBLE PRECISION NULL,
    cellprob_threshold_used DOUBLE PRECISION NULL,
    object_count INTEGER NULL,
    masks_path TEXT NULL,
    seconds DOUBLE PRECISION NULL,
    reason TEXT NULL,
    completed_at TEXT NULL
);
CREATE INDEX resegmentations_frame ON resegmentations (frame_id, requested_at);
