-- Revoking sessions and throttling sign-in (ASP.NET Core Identity's habits). A session cookie carries the curator's
-- security stamp and is valid only while it matches this column; logout and removal replace it. Failed sign-ins are
-- counted from first_failed_at; enough within the window set lockout_end. A removed curator keeps the row (reviews
-- and corrections still name them) with removed_at set, and cannot sign in or use a token again.
ALTER TABLE curators ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
ALTER TABLE curators ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE curators ADD COLUMN first_failed_at TEXT NULL;
ALTER TABLE curators ADD COLUMN lockout_end TEXT NULL;
ALTER TABLE curators ADD COLUMN removed_at TEXT NULL;
-- Existing accounts get a stamp now; cookies issued before this migration carry none and must sign in again.
UPDATE curators SET security_stamp = md5(random()::text || clock_timestamp()::text || name);
