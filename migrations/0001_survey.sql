-- Survey responses: one row per Zendesk ticket. Times are Unix milliseconds (UTC).
CREATE TABLE responses (
  ticket_id INTEGER PRIMARY KEY,
  distinct_id TEXT,                 -- NULL once erased
  team TEXT NOT NULL,
  initial_target_area TEXT,
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment TEXT,
  version INTEGER NOT NULL DEFAULT 1,          -- bumped by every edit that changes the answer
  hedgehog_number INTEGER,                     -- the running hedgehog count when this ticket was first answered
  first_submitted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- PostHog delivery: the answer is stored first and delivered from here until PostHog accepts it.
  captured_version INTEGER NOT NULL DEFAULT 0,
  captured_at INTEGER,
  capture_attempts INTEGER NOT NULL DEFAULT 0,
  next_capture_at INTEGER NOT NULL DEFAULT 0,
  capture_lease_until INTEGER NOT NULL DEFAULT 0,
  last_capture_error TEXT
);
CREATE INDEX responses_pending_capture ON responses (next_capture_at) WHERE captured_version < version;
CREATE INDEX responses_by_first_submitted ON responses (first_submitted_at);

-- One hedgehog per ticket answered for the first time, per UTC month ('YYYY-MM'). Kept apart from
-- responses so that erasing personal data never un-feeds a hedgehog.
CREATE TABLE hedgehog_tally (
  month TEXT PRIMARY KEY,
  hedgehogs INTEGER NOT NULL
);

-- The rule "one hedgehog per ticket answered for the first time" lives here, so that it holds for
-- every writer and in the same statement as the answer: a ticket's row is inserted exactly once.
CREATE TRIGGER feed_one_hedgehog_per_ticket AFTER INSERT ON responses
BEGIN
  INSERT INTO hedgehog_tally (month, hedgehogs)
  VALUES (strftime('%Y-%m', NEW.first_submitted_at / 1000, 'unixepoch'), 1)
  ON CONFLICT (month) DO UPDATE SET hedgehogs = hedgehogs + 1;
END;

-- `survey shown` is sent at most once per ticket.
CREATE TABLE survey_impressions (
  ticket_id INTEGER PRIMARY KEY,
  first_shown_at INTEGER NOT NULL
);
