-- A digest channel without idempotent delivery (Slack's incoming webhooks, Cloudflare's send_email) is
-- marked 'sending' before its call. A run that finds it still 'sending' after the sender's lease ran
-- out cannot tell whether it went, and records it as failed instead of sending it a second time.
-- The owed-digests index covers that state too.
DROP INDEX weekly_digests_owed;
CREATE INDEX weekly_digests_owed ON weekly_digests (next_attempt_at)
  WHERE slack_status IN ('pending', 'sending') OR email_status IN ('pending', 'sending');
