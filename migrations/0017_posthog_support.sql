-- A second ticket source, PostHog Support, beside Zendesk. Every table keys a ticket by one integer,
-- `ticket_id`: a Zendesk ticket keeps its own (positive) id, so every row and link made before stays
-- valid; a PostHog Support ticket (a uuid) gets a negative key here, allocated once per uuid, so the
-- two sources can never collide, whatever their ticket numbers.
CREATE TABLE posthog_support_tickets (
  ticket_key INTEGER PRIMARY KEY CHECK (ticket_key < 0),
  ticket_uuid TEXT NOT NULL UNIQUE,   -- PostHog's `id`
  ticket_number INTEGER NOT NULL,     -- PostHog's `ticket_number` (per project, shown to customers)
  priority TEXT,                      -- low, medium, high; NULL when unset
  sla_due_at INTEGER,                 -- Unix ms; NULL: no SLA
  resolved_seen_by TEXT,              -- 'webhook' or 'poll': which path first told us of its current resolution
  created_at INTEGER NOT NULL
);

-- Which source a candidate came from, and the channel the customer wrote in (PostHog's
-- `channel_source`: widget, email, slack, teams, github; NULL for Zendesk tickets).
ALTER TABLE candidates ADD COLUMN source TEXT NOT NULL DEFAULT 'zendesk';
ALTER TABLE candidates ADD COLUMN channel TEXT;

-- Where the poll of a PostHog project's resolved tickets stands: the newest `updated_at` it stored
-- (Unix ms). The next run lists from there (date_from is inclusive, so nothing on the boundary is lost).
CREATE TABLE posthog_support_sync (
  project TEXT PRIMARY KEY,           -- '<app host>/<project id>'
  synced_through INTEGER,
  pages INTEGER NOT NULL DEFAULT 0,
  status TEXT,
  detail TEXT,
  checked_at INTEGER
);

-- Workflow webhook deliveries already taken (Standard Webhooks: a retry keeps its webhook-id), kept
-- a while so a replay within the accepted timestamp window is answered without recording twice.
CREATE TABLE posthog_webhook_deliveries (
  webhook_id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  outcome TEXT NOT NULL
);
