-- The support a ticket got, as the Zendesk sync last read it (issue 12): one row per ticket, kept
-- apart from `candidates` so the report's join reads only these few columns. Times are Unix ms (UTC).
CREATE TABLE ticket_context (
  ticket_id INTEGER PRIMARY KEY,
  plan TEXT,                         -- the plan field's value, normalised (pay_as_you_go, scale, …); NULL when unset
  severity TEXT,                     -- the severity field's value; NULL when unset
  created_at INTEGER,                -- the ticket's creation
  first_reply_minutes INTEGER,       -- metric set reply_time_in_minutes.calendar
  first_reply_hours REAL,            -- the same span counted Monday to Friday only, in SUPPORT_TIMEZONE
  target_hours INTEGER,              -- RESPONSE_TARGET_HOURS for the plan when synced; NULL: no target (or unknown plan)
  target_met INTEGER,                -- 1 met, 0 missed, NULL: no target or no reply yet
  full_resolution_minutes INTEGER,   -- metric set full_resolution_time_in_minutes.calendar
  reopens INTEGER,
  replies INTEGER,
  assignee_id INTEGER,
  assignee_name TEXT,                -- the agent's name when the export sideloaded them
  ticket_updated_at INTEGER NOT NULL
);

-- The hedgehog ledger: what the donor paid, against what the tally promises. Entries are never
-- edited or deleted; a mistake is corrected by a new entry that replaces the earlier one
-- (`corrects_id`), so the whole history stays visible.
CREATE TABLE donations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  paid_on TEXT NOT NULL,                                  -- 'YYYY-MM-DD'
  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0), -- in the currency's minor units
  currency TEXT NOT NULL,                                 -- ISO 4217
  from_month TEXT NOT NULL,                               -- 'YYYY-MM': the months the payment covers
  to_month TEXT NOT NULL CHECK (to_month >= from_month),
  reference TEXT,                                         -- a receipt number or link
  corrects_id INTEGER UNIQUE REFERENCES donations (id),   -- the entry this one replaces (each at most once)
  form_id TEXT NOT NULL UNIQUE,                           -- the form that posted it: a repeated post records nothing
  created_at INTEGER NOT NULL
);
CREATE TRIGGER donations_never_edited BEFORE UPDATE ON donations
BEGIN
  SELECT RAISE(ABORT, 'ledger entries are never edited: record a correction');
END;
CREATE TRIGGER donations_never_deleted BEFORE DELETE ON donations
BEGIN
  SELECT RAISE(ABORT, 'ledger entries are never deleted: record a correction');
END;
