-- Where the Zendesk incremental export stopped, per Zendesk account (its base URL), so pointing the
-- product at another account never reuses a cursor. Saved after every page: a crash resumes there.
CREATE TABLE zendesk_sync (
  account TEXT PRIMARY KEY,
  cursor TEXT,
  pages INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);

-- Tickets the export told us about, as of their last change. Times are Unix milliseconds (UTC).
CREATE TABLE candidates (
  ticket_id INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  solved_at INTEGER,                 -- from the ticket's metric set; NULL while unsolved
  requester_id INTEGER,
  requester_email TEXT,              -- NULL once erased
  requester_name TEXT,
  requester_external_id TEXT,
  requester_role TEXT,
  email_hash TEXT,                   -- SHA-256 of the lower-cased address: throttling and suppression
  group_name TEXT,
  tags TEXT NOT NULL DEFAULT '[]',   -- JSON array
  ticket_updated_at INTEGER NOT NULL,
  synced_at INTEGER NOT NULL
);
CREATE INDEX candidates_due ON candidates (solved_at) WHERE status IN ('solved', 'closed');

-- One decision per ticket: claimed (queued), sending, sent, failed or skipped. A ticket is claimed
-- once (the primary key), which is what keeps overlapping cron runs from surveying it twice.
CREATE TABLE survey_sends (
  ticket_id INTEGER PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('claimed', 'sending', 'sent', 'failed', 'skipped')),
  reason TEXT,                       -- why skipped or failed
  email_hash TEXT,
  decided_at INTEGER NOT NULL,       -- when claimed or skipped
  ticket_updated_at INTEGER,         -- the ticket version the decision was made on (a skip is revisited when it changes)
  enqueued_at INTEGER,
  link_exp INTEGER,                  -- survey link expiry, fixed at the first send attempt so a retry renders the same email
  send_key TEXT,                     -- provider idempotency key of the attempt
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  provider TEXT,
  provider_message_id TEXT,
  sent_at INTEGER
);
CREATE INDEX survey_sends_by_email ON survey_sends (email_hash, decided_at) WHERE status IN ('claimed', 'sending', 'sent');
CREATE INDEX survey_sends_stale_claims ON survey_sends (enqueued_at) WHERE status = 'claimed';
CREATE INDEX survey_sends_by_status ON survey_sends (status, decided_at);
CREATE INDEX survey_sends_by_send_key ON survey_sends (send_key) WHERE status = 'sending';

-- Addresses that asked for no more surveys, by hash.
CREATE TABLE suppressions (
  email_hash TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  source TEXT NOT NULL
);

-- The local mail provider: messages are kept here instead of being sent.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  to_address TEXT NOT NULL,
  from_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  html TEXT NOT NULL,
  text TEXT NOT NULL,
  headers TEXT NOT NULL,             -- JSON object
  created_at INTEGER NOT NULL
);

-- One row per cron or queue invocation: what it did and what it cost (admin status and the benchmark).
CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  subrequests INTEGER NOT NULL,
  d1_queries INTEGER NOT NULL,
  d1_rows_read INTEGER NOT NULL,
  d1_rows_written INTEGER NOT NULL,
  summary TEXT NOT NULL              -- JSON
);
CREATE INDEX job_runs_by_job ON job_runs (job, started_at);
