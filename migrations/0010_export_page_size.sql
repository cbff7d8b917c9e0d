-- How many tickets the sync asks Zendesk for in each export page (`per_page`, up to 1000), and the last
-- page it could not read. A page too large or cut off mid-body is read again with fewer tickets; the
-- note stays on /admin/dispatch after the sync has moved on, so the team learns it happened.
ALTER TABLE zendesk_sync ADD COLUMN per_page INTEGER;
ALTER TABLE zendesk_sync ADD COLUMN unreadable_detail TEXT;
ALTER TABLE zendesk_sync ADD COLUMN unreadable_at INTEGER;
