-- Pacing of outside services, shared by every invocation (cron runs, queue consumers, requests):
-- the limits are per account or team, not per invocation. Each row keeps the start times (Unix ms)
-- of the last requests within the service's window (`slots`, a JSON array of at most its limit): a
-- request reserves the first time that keeps the window within the limit, by a compare-and-set on
-- `version`, and a 429's Retry-After moves `blocked_until` past the wait.
CREATE TABLE service_pace (
  service TEXT PRIMARY KEY,          -- e.g. 'resend:<base url>', 'zendesk-export:<account>', 'slack:<webhook hash>'
  slots TEXT NOT NULL DEFAULT '[]',
  version INTEGER NOT NULL DEFAULT 0,
  blocked_until INTEGER NOT NULL DEFAULT 0,  -- the latest Retry-After the service gave
  blocked_reason TEXT
);

-- What a survey email was built from, fixed when it is first handed to the provider, so a send
-- whose outcome is unknown is replayed with exactly the same bytes (the provider then answers its
-- first answer instead of sending again or refusing the key). Cleared once the send is settled.
ALTER TABLE survey_sends ADD COLUMN to_address TEXT;
ALTER TABLE survey_sends ADD COLUMN to_name TEXT;
ALTER TABLE survey_sends ADD COLUMN team TEXT;
ALTER TABLE survey_sends ADD COLUMN distinct_id TEXT;
-- 'sending' now means: a request was (or may have been) made and its outcome is unknown. A send
-- that definitely failed goes back to 'claimed' with no key, and is rebuilt from re-checked claims.
ALTER TABLE survey_sends ADD COLUMN retry_at INTEGER;  -- a claim waiting out a rate limit or quota
ALTER TABLE survey_sends ADD COLUMN send_started_at INTEGER;  -- first attempt of the current key (replays end 24 h on)
-- The email as it was handed to the provider (JSON): a replay sends exactly these bytes, whatever
-- the settings or the code are by then.
ALTER TABLE survey_sends ADD COLUMN email_json TEXT;
-- Claims whose message may have been lost are found by this (the old index covered 'claimed' only).
DROP INDEX survey_sends_stale_claims;
CREATE INDEX survey_sends_stale_claims ON survey_sends (enqueued_at) WHERE status IN ('claimed', 'sending');

-- Zendesk sync health for /admin/dispatch: throttled, forbidden (the token's user is not an admin),
-- and how far the export has got.
ALTER TABLE zendesk_sync ADD COLUMN status TEXT;
ALTER TABLE zendesk_sync ADD COLUMN detail TEXT;
ALTER TABLE zendesk_sync ADD COLUMN synced_through INTEGER;  -- the newest ticket change read so far (ms)
ALTER TABLE zendesk_sync ADD COLUMN checked_at INTEGER;

-- Low-rating alerts: at most one per ticket per day. A low answer given within a day of the last
-- alert waits until that day has passed (`not_before`), and a later answer replaces it while it waits.
-- `content_key` identifies the rating and comment alerted on, so the same answer is not alerted twice.
ALTER TABLE low_rating_alerts ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE low_rating_alerts ADD COLUMN content_key TEXT;
CREATE INDEX low_rating_alerts_by_ticket ON low_rating_alerts (ticket_id, created_at);

-- Erasure finds tickets of `zendesk-user-<id>` distinct ids by requester id.
CREATE INDEX candidates_by_requester_id ON candidates (requester_id) WHERE requester_id IS NOT NULL;
