-- The daily check of PostHog's survey and dashboard (`npm run posthog-setup` does the same and repairs):
-- one row, the last check. /admin shows its mismatches; the ten-minute cron runs it when a day has passed.
CREATE TABLE posthog_setup_check (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  checked_at INTEGER NOT NULL,        -- Unix ms of the last attempt
  ok INTEGER NOT NULL,                -- 1: PostHog and the settings match; 0: see mismatches or error
  mismatches TEXT NOT NULL,           -- JSON array of sentences
  error TEXT,                         -- why the check could not be made (PostHog refused, unreachable, …)
  survey_id TEXT,
  dashboard_id INTEGER
);
