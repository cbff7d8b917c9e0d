import { toBase64Url } from "../lib/base64url";
import { hmacSign, hmacVerify } from "../lib/hmac";

/** How long a sign-in lasts. */
export const SESSION_MS = 12 * 3600_000;

const encoder = new TextEncoder();

async function sha256(text: string): Promise<string> {
  return toBase64Url(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** The HMAC binds the cookie to the token in force: rotating ADMIN_TOKEN ends every session at once. */
const mac = (adminToken: string, id: string) => hmacSign(adminToken, `admin-session:v1:${id}`);

/** Starts a session; answers the cookie's value (`<random id>.<hmac>`). Expired rows are pruned here. */
export async function createSession(db: D1Database, adminToken: string, now: number): Promise<string> {
  const id = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  await db.batch([
    db.prepare(`DELETE FROM admin_sessions WHERE expires_at <= ?1`).bind(now),
    db
      .prepare(`INSERT INTO admin_sessions (id_hash, created_at, expires_at) VALUES (?1, ?2, ?3)`)
      .bind(await sha256(id), now, now + SESSION_MS),
  ]);
  return `${id}.${await mac(adminToken, id)}`;
}

/** The id of a well-formed cookie signed with this token, else undefined. */
async function verifiedId(cookie: string, adminToken: string): Promise<string | undefined> {
  const match = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(cookie);
  if (!match || !(await hmacVerify(adminToken, `admin-session:v1:${match[1]}`, match[2]!))) return undefined;
  return match[1];
}

/** True for a cookie of a live session made under the current token. */
export async function sessionIsLive(db: D1Database, cookie: string, adminToken: string, now: number): Promise<boolean> {
  const id = await verifiedId(cookie, adminToken);
  if (!id) return false;
  const row = await db
    .prepare(`SELECT 1 AS live FROM admin_sessions WHERE id_hash = ?1 AND expires_at > ?2`)
    .bind(await sha256(id), now)
    .first<{ live: number }>();
  return row !== null;
}

/** Ends the session (whatever token signed it: signing out must work after a rotation too). */
export async function endSession(db: D1Database, cookie: string): Promise<void> {
  const id = /^([A-Za-z0-9_-]{43})\./.exec(cookie)?.[1];
  if (id)
    await db
      .prepare(`DELETE FROM admin_sessions WHERE id_hash = ?1`)
      .bind(await sha256(id))
      .run();
}
