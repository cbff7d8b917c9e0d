-- A Zendesk note whose request timed out or met a 5xx may have been posted anyway, and ticket updates
-- take no idempotency key: such an alert is marked, and before posting again the consumer looks for
-- the note on the ticket (by the alert's marker in its last line) so that it is never posted twice.
ALTER TABLE low_rating_alerts ADD COLUMN zendesk_maybe_posted INTEGER NOT NULL DEFAULT 0;
