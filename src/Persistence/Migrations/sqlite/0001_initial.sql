-- Timestamps are ISO-8601 UTC text in both dialects so the same SQL and row types serve SQLite and PostgreSQL.
CREATE TABLE frames (
    id TEXT PRIMARY KEY,
    acquisition TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    state TEXT NOT NULL,
    model TEXT NOT NULL,
    model_version INTEGER NULL,
    reason TEXT NULL,
    masks_path TEXT NULL,
    flows_path TEXT NULL,
    outlines_path TEXT NULL,
    objects_path TEXT NULL,
    acquired_at TEXT NOT NULL,
    completed_at TEXT NULL,
    reviewed_at TEXT NULL,
    UNIQUE (path, sha256)
);
CREATE INDEX ix_frames_acquisition_state ON frames (acquisition, state);
CREATE INDEX ix_frames_state ON frames (state);

CREATE TABLE frame_stats (
    frame_id TEXT PRIMARY KEY REFERENCES frames (id),
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    object_count INTEGER NOT NULL,
    mean_cellprob REAL NOT NULL,
    flow_error_mean REAL NULL,
    flow_error_max REAL NULL,
    masks_before_qc INTEGER NOT NULL,
    dropped_by_flow_qc INTEGER NOT NULL,
    dropped_as_small INTEGER NOT NULL,
    style TEXT NOT NULL,
    read_seconds REAL NOT NULL,
    normalize_seconds REAL NOT NULL,
    network_seconds REAL NOT NULL,
    dynamics_seconds REAL NOT NULL,
    flow_qc_seconds REAL NOT NULL,
    write_seconds REAL NOT NULL,
    total_seconds REAL NOT NULL
);

CREATE TABLE review_reasons (
    frame_id TEXT NOT NULL REFERENCES frames (id),
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (frame_id, reason)
);

CREATE TABLE corrections (
    id TEXT PRIMARY KEY,
    frame_id TEXT NOT NULL REFERENCES frames (id),
    model TEXT NOT NULL,
    model_version INTEGER NOT NULL,
    masks_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    training_run_id TEXT NULL,
    UNIQUE (frame_id, sha256)
);
CREATE INDEX ix_corrections_model ON corrections (model, training_run_id);

CREATE TABLE model_assignments (
    acquisition TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    source TEXT NOT NULL,
    assigned_at TEXT NOT NULL
);

CREATE TABLE model_versions (
    model TEXT NOT NULL,
    version INTEGER NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    parent_version INTEGER NULL,
    training_run_id TEXT NULL,
    ap_before REAL NULL,
    ap_after REAL NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (model, version)
);

CREATE TABLE training_runs (
    id TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    state TEXT NOT NULL,
    corrections INTEGER NOT NULL,
    checkpoint_dir TEXT NOT NULL,
    ap_before REAL NULL,
    ap_after REAL NULL,
    new_version INTEGER NULL,
    outcome TEXT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NULL
);
CREATE INDEX ix_training_runs_model_state ON training_runs (model, state);
