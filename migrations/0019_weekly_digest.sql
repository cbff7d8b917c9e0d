-- One weekly digest per team and week ('YYYY-Www', the ISO week in SUPPORT_TIMEZONE): the primary key
-- is what keeps overlapping or repeated cron runs from storing or sending a week's digest twice.
-- Its figures are frozen when stored, so a retry sends exactly what the first attempt would have.
CREATE TABLE weekly_digests (
  week TEXT NOT NULL,
  team TEXT NOT NULL,
  figures TEXT NOT NULL,                          -- JSON of the digest
  created_at INTEGER NOT NULL,
  -- Each channel is settled once: pending, done, skipped (nothing to send, or no webhook/address) or failed.
  slack_status TEXT NOT NULL,
  slack_detail TEXT,
  email_status TEXT NOT NULL,
  email_detail TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,     -- a transient failure waits (Retry-After, back-off)
  lease_until INTEGER NOT NULL DEFAULT 0,         -- the run delivering it now; another run leaves it alone
  sent_at INTEGER,                                -- when its last pending channel was settled
  PRIMARY KEY (week, team)
);
CREATE INDEX weekly_digests_owed ON weekly_digests (next_attempt_at)
  WHERE slack_status = 'pending' OR email_status = 'pending';
