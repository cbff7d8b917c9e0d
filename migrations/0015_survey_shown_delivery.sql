-- `survey shown` is kept like an answer: the first view of a ticket's survey is stored here, with what
-- its event needs, and delivered from here (lease, back-off, Retry-After) until PostHog accepts it.
ALTER TABLE survey_impressions ADD COLUMN distinct_id TEXT;          -- NULL once erased
ALTER TABLE survey_impressions ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE survey_impressions ADD COLUMN captured_at INTEGER;       -- when PostHog accepted it (or it was settled)
ALTER TABLE survey_impressions ADD COLUMN capture_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE survey_impressions ADD COLUMN next_capture_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE survey_impressions ADD COLUMN capture_lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE survey_impressions ADD COLUMN last_capture_error TEXT;

-- Views stored before this had their one attempt already, and kept no distinct id to send again
-- with: they are settled as they are, so none is sent twice.
UPDATE survey_impressions SET captured_at = first_shown_at;

CREATE INDEX survey_impressions_pending_capture ON survey_impressions (next_capture_at) WHERE captured_at IS NULL;
