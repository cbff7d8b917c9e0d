-- How each answer's link was verified: 'signature' (a signed link from our own email) or 'zendesk'
-- (an unsigned link from a Zendesk automation, checked against the ticket in Zendesk).
ALTER TABLE responses ADD COLUMN verified_by TEXT NOT NULL DEFAULT 'signature';
-- Every answer's insert updates each index of responses, and the survey's POST is measured against a
-- bare D1 query: this one adds nothing that responses_month_team_rating (first_submitted_at first)
-- does not already give. (The admin report's split by verification reads that index's month range.)
DROP INDEX responses_by_first_submitted;

-- What Zendesk said about a ticket an unsigned link named, when the sync did not know it yet:
-- asked once and kept for a while (a made-up ticket number costs one Zendesk request, not one per
-- view). `found` 0 records a ticket Zendesk did not have.
CREATE TABLE zendesk_ticket_lookups (
  ticket_id INTEGER PRIMARY KEY,
  found INTEGER NOT NULL,
  status TEXT,
  solved_at INTEGER,
  requester_id INTEGER,
  requester_external_id TEXT,
  group_name TEXT,
  checked_at INTEGER NOT NULL
);

-- The rating written back to the Zendesk ticket (a ticket field and a csat_<rating> tag), one row
-- per ticket: `version` is the answer version written (or to write); each channel done once.
CREATE TABLE ticket_rating_writebacks (
  ticket_id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,          -- the answer version that should be on the ticket
  written_version INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending',  -- pending, done, skipped, failed
  detail TEXT,
  enqueued_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX ticket_rating_writebacks_pending ON ticket_rating_writebacks (enqueued_at) WHERE status = 'pending';
