-- A curator can send any segmented frame (Segmented, or already reviewed: Accepted / Corrected / Skipped) back to the
-- review queue. The frame's state becomes Flagged again; these columns say who sent it, when, and from which state.
-- The review_reasons row 'sent_by_curator' carries the same for the queue.
ALTER TABLE frames ADD COLUMN sent_to_review_by TEXT NULL REFERENCES curators (name);
ALTER TABLE frames ADD COLUMN sent_to_review_at TEXT NULL;
ALTER TABLE frames ADD COLUMN sent_to_review_from TEXT NULL;
