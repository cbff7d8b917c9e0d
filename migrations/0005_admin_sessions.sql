-- Admin sign-in sessions. The cookie carries a random id and an HMAC of it keyed by ADMIN_TOKEN, never
-- the token: a rotated token fails every cookie's HMAC (every session ends), and signing out deletes the row.
CREATE TABLE admin_sessions (
  id_hash TEXT PRIMARY KEY,          -- SHA-256 of the random id: a copy of this table signs no one in
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX admin_sessions_by_expiry ON admin_sessions (expires_at);
