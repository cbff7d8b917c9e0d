import { toBase64Url } from "../lib/base64url";
import { hmacSign } from "../lib/hmac";

/** How long a sign-in lasts. */
export const SESSION_MS = 12 * 3600_000;

const encoder = new TextEncoder();

async function sha256(text: string): Promise<string> {
  return toBase64Url(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Which token is in force, as sessions record it: an HMAC keyed by the token, which it does not reveal. */
export const tokenFingerprint = (adminToken: string) => hmacSign(adminToken, "hedgehog-csat:admin-token:v1");

/** Starts a session under the token in force; answers its random id (the cookie signs it). Expired rows are pruned here. */
export async function createSession(db: D1Database, fingerprint: string, now: number): Promise<string> {
  const id = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  await db.batch([
    db.prepare(`DELETE FROM admin_sessions WHERE expires_at <= ?1`).bind(now),
    db
      .prepare(
        `INSERT INTO admin_sessions (id_hash, created_at, expires_at, token_fingerprint) VALUES (?1, ?2, ?3, ?4)`,
      )
      .bind(await sha256(id), now, now + SESSION_MS, fingerprint),
  ]);
  return id;
}

/** True for a live session made under the token whose fingerprint this is. */
export async function sessionIsLive(db: D1Database, id: string, fingerprint: string, now: number): Promise<boolean> {
  const row = await db
    .prepare(`SELECT 1 AS live FROM admin_sessions WHERE id_hash = ?1 AND token_fingerprint = ?2 AND expires_at > ?3`)
    .bind(await sha256(id), fingerprint, now)
    .first<{ live: number }>();
  return row !== null;
}

/**
 * Ends, for good, every session made under another token than the one in force: called whenever an
 * administrator is signed in (and by the cron), so a token rotated back does not revive them.
 */
export async function endOtherTokensSessions(db: D1Database, fingerprint: string): Promise<number> {
  const result = await db
    .prepare(`DELETE FROM admin_sessions WHERE token_fingerprint IS NOT ?1`)
    .bind(fingerprint)
    .run();
  return result.meta.changes ?? 0;
}

/** Ends the session (whatever token signed it: signing out must work after a rotation too). */
export async function endSession(db: D1Database, id: string): Promise<void> {
  await db
    .prepare(`DELETE FROM admin_sessions WHERE id_hash = ?1`)
    .bind(await sha256(id))
    .run();
}
