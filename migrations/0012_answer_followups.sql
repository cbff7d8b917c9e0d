-- What a stored answer owes outside the survey, one row per answer version and kind of follow-up
-- ('low-rating-alert': the alerts' look at the answer; 'ticket-rating': its rating written onto the
-- Zendesk ticket). Written in the answer's own transaction, drained through the Queue.
--   status: pending (a message is on its way, or will be by the cron once `lease_until` has passed),
--           waiting (not before `next_attempt_at`; the cron queues it then), done, skipped, failed
--           (for good: `last_error` says why).
--   rating, content_key: the answer as that version gave it (content_key: a hash of its rating and
--           comment, which tells the same answer given again).
CREATE TABLE answer_followups (
  ticket_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  rating INTEGER NOT NULL,
  content_key TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (ticket_id, version, kind)
) WITHOUT ROWID;
-- The cron's look for rows to queue again reads only the open ones.
CREATE INDEX answer_followups_open ON answer_followups (status, lease_until, next_attempt_at)
  WHERE status IN ('pending', 'waiting');

-- Alerts not yet out, and write-backs not yet written, carry on as follow-ups: the cron queues them.
INSERT INTO answer_followups (ticket_id, version, kind, rating, content_key, status, next_attempt_at, lease_until,
  created_at, updated_at)
SELECT ticket_id, version, 'low-rating-alert', rating, COALESCE(content_key, ''),
  CASE WHEN enqueued_at = 0 THEN 'waiting' ELSE 'pending' END, not_before, 0, created_at, created_at
FROM low_rating_alerts WHERE zendesk_status = 'pending' OR slack_status = 'pending';

INSERT INTO answer_followups (ticket_id, version, kind, rating, content_key, status, next_attempt_at, lease_until,
  created_at, updated_at)
SELECT w.ticket_id, w.version, 'ticket-rating', r.rating, '', 'pending', w.updated_at, 0, w.updated_at, w.updated_at
FROM ticket_rating_writebacks w JOIN responses r ON r.ticket_id = w.ticket_id
WHERE w.status = 'pending';

-- The outbox says when an alert is queued, and its write-back rows say how far the ticket's rating got.
DROP INDEX low_rating_alerts_pending;
ALTER TABLE low_rating_alerts DROP COLUMN enqueued_at;
DROP TABLE ticket_rating_writebacks;
