-- One reminder per surveyed ticket (SURVEY_REMINDER_DAYS): its decision and its send, with the very
-- columns of survey_sends, so the claim, queue, send, replay and settle steps run on either table
-- (src/dispatch/sends-store.ts). A ticket is decided once (the primary key): claimed, then sending,
-- sent or failed; or skipped with the reason. The email is built from the first send's snapshot, so
-- it carries the same survey and unsubscribe links; it is recorded here as it was handed over.
CREATE TABLE survey_reminders (
  ticket_id INTEGER PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('claimed', 'sending', 'sent', 'failed', 'skipped')),
  reason TEXT,
  address_fingerprint TEXT,
  -- Never written: reminders are decided only once every address is keyed (the fingerprints step);
  -- the column lets the send statements read both tables alike.
  legacy_email_hash TEXT,
  decided_at INTEGER NOT NULL,
  ticket_updated_at INTEGER,
  enqueued_at INTEGER,
  link_exp INTEGER,
  send_key TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  provider TEXT,
  provider_message_id TEXT,
  sent_at INTEGER,
  retry_at INTEGER,
  send_started_at INTEGER,
  to_address TEXT,
  to_name TEXT,
  team TEXT,
  distinct_id TEXT,
  email_json TEXT,
  left_out_round INTEGER,
  left_out_reason TEXT
);
CREATE INDEX survey_reminders_by_fingerprint ON survey_reminders (address_fingerprint, decided_at)
  WHERE status IN ('claimed', 'sending', 'sent');
CREATE INDEX survey_reminders_stale_claims ON survey_reminders (enqueued_at) WHERE status IN ('claimed', 'sending');
CREATE INDEX survey_reminders_by_send_key ON survey_reminders (send_key) WHERE status = 'sending';
CREATE INDEX survey_reminders_by_sent_at ON survey_reminders (status, sent_at);
