-- The rating before the latest edit, so an edit down to a low rating can be told from a low answer
-- edited again.
ALTER TABLE responses ADD COLUMN previous_rating INTEGER;

-- Reports by month and team read only this index (a covering index: no table rows are visited).
CREATE INDEX responses_month_team_rating ON responses (first_submitted_at, team, rating);
-- Recent low ratings for the admin page.
CREATE INDEX responses_low_ratings ON responses (updated_at) WHERE rating <= 2;
CREATE INDEX survey_sends_by_sent_at ON survey_sends (status, sent_at);

-- One donation report per month: the run whose insert wrote the row is the one that emails it.
CREATE TABLE monthly_reports (
  month TEXT PRIMARY KEY,            -- 'YYYY-MM' (UTC)
  figures TEXT NOT NULL,             -- JSON of the report
  created_at INTEGER NOT NULL,
  emailed_at INTEGER,
  email_error TEXT,
  captured_at INTEGER
);

-- One alert per low answer (a ticket's answer version): each channel is done once.
CREATE TABLE low_rating_alerts (
  ticket_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  rating INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  zendesk_status TEXT NOT NULL DEFAULT 'pending',  -- pending, done, skipped, failed
  zendesk_detail TEXT,
  slack_status TEXT NOT NULL DEFAULT 'pending',
  slack_detail TEXT,
  PRIMARY KEY (ticket_id, version)
);
CREATE INDEX low_rating_alerts_pending ON low_rating_alerts (enqueued_at)
  WHERE zendesk_status = 'pending' OR slack_status = 'pending';
CREATE INDEX job_runs_by_start ON job_runs (started_at);
-- Erasure finds a person's rows by distinct id, address hash or external id.
CREATE INDEX responses_by_distinct_id ON responses (distinct_id) WHERE distinct_id IS NOT NULL;
CREATE INDEX candidates_by_email_hash ON candidates (email_hash);
CREATE INDEX candidates_by_external_id ON candidates (requester_external_id) WHERE requester_external_id IS NOT NULL;
