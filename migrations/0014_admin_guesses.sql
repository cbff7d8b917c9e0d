-- Wrong admin tokens (sign-in form and bearer header), counted per client so that guessing ADMIN_TOKEN
-- is slow and seen (src/admin/guessing.ts): after a few wrong tokens each further try from the client
-- waits twice as long as the one before, up to a minute. A right token after the wait removes the row;
-- the cron prunes rows whose last wrong token is a day old.
--   client: the CF-Connecting-IP address (an IPv6 client by its /64 network), or 'unknown' without one
--   failures: wrong tokens in a row from the client
--   wait_until: no try from the client is let through before this time (ms)
--   last_via: how the last wrong token came ('sign-in form' or 'bearer header')
CREATE TABLE admin_guesses (
  client TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at INTEGER NOT NULL,
  wait_until INTEGER NOT NULL,
  last_via TEXT NOT NULL
) WITHOUT ROWID;
-- The admin page lists, and the cron prunes, by the last wrong token.
CREATE INDEX admin_guesses_by_last_failure ON admin_guesses (last_failure_at);
