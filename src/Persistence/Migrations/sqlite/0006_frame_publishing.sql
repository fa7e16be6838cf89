-- When a frame was last published on the bus and how often: the watcher's janitor publishes an Acquired frame again
-- once its lease has run out (a message lost between the database and the bus), and `acqseg requeue` puts failed
-- frames back to Acquired with no lease, so the janitor runs them again.
ALTER TABLE frames ADD COLUMN published_at TEXT NULL;
ALTER TABLE frames ADD COLUMN publish_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE frames ADD COLUMN requeue_count INTEGER NOT NULL DEFAULT 0;
