-- Addresses are recognised by a keyed fingerprint, base64url(HMAC-SHA256(ADDRESS_FINGERPRINT_KEY,
-- address)), not by a bare SHA-256 that anyone holding a copy of the database could recompute for an
-- address they know. SQL cannot compute an HMAC, so the bare hashes stay beside the new columns, named
-- for what they are, until the Worker replaces them (the ten-minute cron's `fingerprints` step, and
-- whichever code next sees the address): a row whose address is still known gets its fingerprint; an
-- erased ticket's hash is dropped; a suppression whose address is no longer known anywhere stays in
-- legacy_suppressions, checked beside the keyed list, so nobody who unsubscribed is ever emailed.
ALTER TABLE candidates RENAME COLUMN email_hash TO legacy_email_hash;
ALTER TABLE candidates ADD COLUMN address_fingerprint TEXT;
DROP INDEX candidates_by_email_hash;
CREATE INDEX candidates_by_fingerprint ON candidates (address_fingerprint) WHERE address_fingerprint IS NOT NULL;
CREATE INDEX candidates_legacy_hashes ON candidates (legacy_email_hash) WHERE legacy_email_hash IS NOT NULL;

ALTER TABLE survey_sends RENAME COLUMN email_hash TO legacy_email_hash;
ALTER TABLE survey_sends ADD COLUMN address_fingerprint TEXT;
DROP INDEX survey_sends_by_email;
CREATE INDEX survey_sends_by_fingerprint ON survey_sends (address_fingerprint, decided_at)
  WHERE status IN ('claimed', 'sending', 'sent');
CREATE INDEX survey_sends_legacy_hashes ON survey_sends (legacy_email_hash) WHERE legacy_email_hash IS NOT NULL;

-- The suppression list written so far, by bare hash: emptied as its addresses are seen again.
ALTER TABLE suppressions RENAME TO legacy_suppressions;

-- Addresses that asked for no more surveys (or were erased), by keyed fingerprint.
CREATE TABLE suppressions (
  address_fingerprint TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  source TEXT NOT NULL
);
