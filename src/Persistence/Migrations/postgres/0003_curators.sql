-- Curator accounts, their API tokens, claims on flagged frames, who reviewed what, and pinned live model versions.
-- (Numbered 0003: 0002 is the train worker's lineage columns.)
CREATE TABLE curators (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Only the SHA-256 of a token is stored; the token itself is shown once.
CREATE TABLE curator_tokens (
    token_sha256 TEXT PRIMARY KEY,
    curator TEXT NOT NULL REFERENCES curators (name),
    created_at TEXT NOT NULL
);

-- One claim per frame; an expired claim may be taken over by anyone.
CREATE TABLE frame_claims (
    frame_id TEXT PRIMARY KEY REFERENCES frames (id),
    curator TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

ALTER TABLE corrections ADD COLUMN curator TEXT NULL;
ALTER TABLE frames ADD COLUMN reviewed_by TEXT NULL;

-- A lineage's live version when a curator chose one (roll back); it holds until a version newer than
-- latest_at_pin is published.
CREATE TABLE model_live (
    model TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    latest_at_pin INTEGER NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
