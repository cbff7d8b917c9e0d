import { sha256Hex } from "../lib/ids";
import { backoffMs } from "../services/backoff";
import type { FollowupKind } from "./owed";

/** How long a row whose message is on its way is left to it before the cron queues it again. */
export const FOLLOWUP_LEASE_MS = 15 * 60_000;

export type FollowupStatus = "pending" | "waiting" | "done" | "skipped" | "failed";

/** One outbox row: what one version of an answer owes one kind of follow-up. */
export interface FollowupKey {
  ticketId: number;
  version: number;
  kind: FollowupKind;
}

export interface Followup extends FollowupKey {
  /** The answer's rating at this version. */
  rating: number;
  /** A hash of this version's rating and comment: the same answer given again has the same key. */
  contentKey: string;
  status: FollowupStatus;
  attempts: number;
  /** The answer version's time. */
  createdAt: number;
}

interface FollowupRow {
  ticket_id: number;
  version: number;
  kind: FollowupKind;
  rating: number;
  content_key: string;
  status: FollowupStatus;
  attempts: number;
  created_at: number;
}

function toFollowup(r: FollowupRow): Followup {
  return {
    ticketId: r.ticket_id,
    version: r.version,
    kind: r.kind,
    rating: r.rating,
    contentKey: r.content_key,
    status: r.status,
    attempts: r.attempts,
    createdAt: r.created_at,
  };
}

/** What identifies an answer's content (rating and comment), kept with each of its follow-ups. */
export async function answerContentKey(answer: { rating: number; comment: string | null }): Promise<string> {
  return (await sha256Hex(`${answer.rating}\n${answer.comment ?? ""}`)).slice(0, 32);
}

/**
 * The statement that writes an answer's follow-ups (one row per kind), for the answer's own batch,
 * placed right after the statement that stores the answer: it writes only if that statement stored a
 * row (SQLite's `changes()`), so a repeated or conflicting submission, which stores nothing, owes
 * nothing. The rows take the version and time the answer was stored with. Null when nothing is owed.
 */
export async function followupsStatement(
  db: D1Database,
  answer: { ticketId: number; rating: number; comment: string | null },
  kinds: readonly FollowupKind[],
): Promise<D1PreparedStatement | null> {
  if (kinds.length === 0) return null;
  return db
    .prepare(
      `INSERT INTO answer_followups (ticket_id, version, kind, rating, content_key, next_attempt_at, lease_until,
         created_at, updated_at)
       SELECT r.ticket_id, r.version, k.value, r.rating, ?3, r.updated_at, r.updated_at + ?4, r.updated_at, r.updated_at
       FROM responses r JOIN json_each(?2) k
       WHERE r.ticket_id = ?1 AND changes() = 1
       ON CONFLICT DO NOTHING`,
    )
    .bind(answer.ticketId, JSON.stringify(kinds), await answerContentKey(answer), FOLLOWUP_LEASE_MS);
}

export async function loadFollowup(db: D1Database, key: FollowupKey): Promise<Followup | null> {
  const row = await db
    .prepare(
      `SELECT ticket_id, version, kind, rating, content_key, status, attempts, created_at FROM answer_followups
       WHERE ticket_id = ?1 AND version = ?2 AND kind = ?3`,
    )
    .bind(key.ticketId, key.version, key.kind)
    .first<FollowupRow>();
  return row ? toFollowup(row) : null;
}

/** When the ticket's answer was next stored after this version, as far as this kind knows (null: not since). */
export async function nextVersionAt(db: D1Database, key: FollowupKey): Promise<number | null> {
  const row = await db
    .prepare(`SELECT MIN(created_at) AS at FROM answer_followups WHERE ticket_id = ?1 AND kind = ?3 AND version > ?2`)
    .bind(key.ticketId, key.version, key.kind)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}

/**
 * Where a follow-up got to: settled for good (`done`, `skipped` or `failed`, with why), to be tried
 * again after `waitMs` (its message is retried with that delay; the cron queues it again if the
 * message is lost), or `waiting` until a time further off than a message can be delayed (the cron
 * queues it then).
 */
export type FollowupOutcome =
  | { status: "done" | "skipped" | "failed"; detail: string | null }
  | { status: "retry"; waitMs: number; detail: string }
  | { status: "waiting"; until: number };

/**
 * How long a row waits before its next try: the service's wait the first time; after that at least
 * 2, 4, 8 … minutes (at most an hour), however soon the service would take it again.
 */
export function retryWaitMs(attemptsSoFar: number, serviceWaitMs: number): number {
  return attemptsSoFar === 0 ? serviceWaitMs : Math.max(serviceWaitMs, backoffMs(attemptsSoFar + 1));
}

/** Records an outcome on an open row; a row already settled stays as it is. */
export function settleFollowup(
  db: D1Database,
  key: FollowupKey,
  outcome: FollowupOutcome,
  now: number,
): D1PreparedStatement {
  const open = `WHERE ticket_id = ?1 AND version = ?2 AND kind = ?3 AND status IN ('pending', 'waiting')`;
  const bind = (sql: string, ...values: unknown[]) =>
    db.prepare(sql).bind(key.ticketId, key.version, key.kind, now, ...values);
  if (outcome.status === "retry") {
    const at = now + outcome.waitMs;
    return bind(
      `UPDATE answer_followups SET status = 'pending', attempts = attempts + 1, next_attempt_at = ?5,
         lease_until = ?5 + ?6, last_error = ?7, updated_at = ?4 ${open}`,
      at,
      FOLLOWUP_LEASE_MS,
      outcome.detail.slice(0, 500),
    );
  }
  if (outcome.status === "waiting")
    return bind(
      `UPDATE answer_followups SET status = 'waiting', next_attempt_at = ?5, lease_until = ?5, updated_at = ?4 ${open}`,
      outcome.until,
    );
  return bind(
    `UPDATE answer_followups SET status = ?5, attempts = attempts + 1, last_error = ?6, updated_at = ?4 ${open}`,
    outcome.status,
    outcome.detail?.slice(0, 500) ?? null,
  );
}

/**
 * Takes rows to queue again: those whose message has not settled them within its lease (a lost
 * message, or a request that ended before sending it), and those whose wait is over. Each is leased
 * anew, so the next run leaves it to the message now sent.
 */
export async function claimDueFollowups(db: D1Database, now: number, limit: number): Promise<FollowupKey[]> {
  const { results } = await db
    .prepare(
      `UPDATE answer_followups SET status = 'pending', lease_until = ?1 + ?3, updated_at = ?1
       WHERE (ticket_id, version, kind) IN (
         SELECT ticket_id, version, kind FROM answer_followups
         WHERE (status = 'pending' AND lease_until <= ?1) OR (status = 'waiting' AND next_attempt_at <= ?1)
         ORDER BY next_attempt_at, ticket_id, version LIMIT ?2)
       RETURNING ticket_id AS ticketId, version, kind`,
    )
    .bind(now, limit, FOLLOWUP_LEASE_MS)
    .all<FollowupKey>();
  return results;
}
