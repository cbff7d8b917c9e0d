-- A ticket of a request whose outcome is unknown that was no longer eligible when the request was to be
-- replayed: the replay round that first left it out, and why. The request's bodies are nested: round r
-- carries every ticket of the request not left out in rounds 1 to r, and Resend keeps at most one body
-- per idempotency key, so the body it answers tells which tickets were sent.
ALTER TABLE survey_sends ADD COLUMN left_out_round INTEGER;
ALTER TABLE survey_sends ADD COLUMN left_out_reason TEXT;
