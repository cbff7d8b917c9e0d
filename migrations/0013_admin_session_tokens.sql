-- Which ADMIN_TOKEN made each session: a fingerprint (an HMAC keyed by the token), never the token. A
-- session is live only under the token that made it, and a request signed in under another token ends
-- the others for good, so restoring an earlier token after a rotation revives none of its sessions.
-- Sessions from before this column have none and no longer sign anyone in.
ALTER TABLE admin_sessions ADD COLUMN token_fingerprint TEXT;
