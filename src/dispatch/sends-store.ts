import type { CandidateRow } from "./candidates-store";

export type SendStatus = "claimed" | "sending" | "sent" | "failed" | "skipped";

export interface SendRow {
  ticket_id: number;
  status: SendStatus;
  reason: string | null;
  email_hash: string | null;
  decided_at: number;
  ticket_updated_at: number | null;
  enqueued_at: number | null;
  link_exp: number | null;
  send_key: string | null;
  attempts: number;
  last_error: string | null;
  provider: string | null;
  provider_message_id: string | null;
  sent_at: number | null;
}

export interface DueCandidate extends CandidateRow {
  suppressed: number;
  last_surveyed_at: number | null;
}

/**
 * Tickets solved inside the due window that have no decision yet, or whose skip was made on an
 * older version of the ticket; with what throttling and suppression need to know.
 */
export async function findDueCandidates(
  db: D1Database,
  solvedFrom: number,
  solvedUntil: number,
  limit: number,
): Promise<DueCandidate[]> {
  const { results } = await db
    .prepare(
      `SELECT c.*,
         EXISTS (SELECT 1 FROM suppressions s WHERE s.email_hash = c.email_hash) AS suppressed,
         (SELECT MAX(p.decided_at) FROM survey_sends p
           WHERE p.email_hash = c.email_hash AND p.status IN ('claimed', 'sending', 'sent')) AS last_surveyed_at
       FROM candidates c LEFT JOIN survey_sends d ON d.ticket_id = c.ticket_id
       WHERE c.status IN ('solved', 'closed') AND c.solved_at BETWEEN ?1 AND ?2
         AND (d.ticket_id IS NULL OR (d.status = 'skipped' AND d.ticket_updated_at < c.ticket_updated_at))
       ORDER BY c.solved_at
       LIMIT ?3`,
    )
    .bind(solvedFrom, solvedUntil, limit)
    .all<DueCandidate>();
  return results;
}

export interface SkipDecision {
  ticketId: number;
  reason: string;
  emailHash: string | null;
  ticketUpdatedAt: number;
}

/** Records skips; a ticket already claimed or sent keeps that state. */
export async function recordSkips(db: D1Database, skips: SkipDecision[], now: number): Promise<void> {
  if (skips.length === 0) return;
  await db
    .prepare(
      `INSERT INTO survey_sends (ticket_id, status, reason, email_hash, decided_at, ticket_updated_at)
       SELECT j.value ->> 't', 'skipped', j.value ->> 'r', j.value ->> 'h', ?2, j.value ->> 'u'
       FROM json_each(?1) AS j WHERE true
       ON CONFLICT (ticket_id) DO UPDATE SET reason = excluded.reason, decided_at = excluded.decided_at,
         ticket_updated_at = excluded.ticket_updated_at, email_hash = excluded.email_hash
       WHERE survey_sends.status = 'skipped'`,
    )
    .bind(JSON.stringify(skips.map((s) => ({ t: s.ticketId, r: s.reason, h: s.emailHash, u: s.ticketUpdatedAt }))), now)
    .run();
}

/**
 * Claims tickets for sending. Only the run whose statement wrote the claim gets the ticket back, so
 * however cron runs overlap, each ticket is queued by one of them.
 */
export async function claimTickets(
  db: D1Database,
  claims: Array<{ ticketId: number; emailHash: string | null; ticketUpdatedAt: number }>,
  now: number,
): Promise<number[]> {
  if (claims.length === 0) return [];
  const { results } = await db
    .prepare(
      `INSERT INTO survey_sends (ticket_id, status, email_hash, decided_at, ticket_updated_at, enqueued_at)
       SELECT j.value ->> 't', 'claimed', j.value ->> 'h', ?2, j.value ->> 'u', ?2
       FROM json_each(?1) AS j WHERE true
       ON CONFLICT (ticket_id) DO UPDATE SET status = 'claimed', reason = NULL, decided_at = excluded.decided_at,
         ticket_updated_at = excluded.ticket_updated_at, email_hash = excluded.email_hash, enqueued_at = excluded.enqueued_at
       WHERE survey_sends.status = 'skipped'
       RETURNING ticket_id`,
    )
    .bind(JSON.stringify(claims.map((c) => ({ t: c.ticketId, h: c.emailHash, u: c.ticketUpdatedAt }))), now)
    .all<{ ticket_id: number }>();
  return results.map((r) => r.ticket_id);
}

/**
 * Claims whose queue message may have been lost (a crash between claiming and queueing, or a message
 * that ran out of retries): queued again, at most once an hour each.
 */
export async function reclaimStale(db: D1Database, now: number, olderThanMs: number, limit: number): Promise<number[]> {
  const { results } = await db
    .prepare(
      `UPDATE survey_sends SET enqueued_at = ?1
       WHERE ticket_id IN (SELECT ticket_id FROM survey_sends
         WHERE status IN ('claimed', 'sending') AND enqueued_at < ?2 ORDER BY enqueued_at LIMIT ?3)
       RETURNING ticket_id`,
    )
    .bind(now, now - olderThanMs, limit)
    .all<{ ticket_id: number }>();
  return results.map((r) => r.ticket_id);
}

export interface SendContext extends SendRow {
  candidate_status: string | null;
  requester_email: string | null;
  requester_name: string | null;
  requester_external_id: string | null;
  requester_id: number | null;
  group_name: string | null;
  suppressed: number;
}

export async function loadSends(db: D1Database, ticketIds: number[]): Promise<Map<number, SendContext>> {
  if (ticketIds.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT s.*, c.status AS candidate_status, c.requester_email, c.requester_name, c.requester_external_id,
         c.requester_id, c.group_name,
         EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = s.email_hash) AS suppressed
       FROM survey_sends s LEFT JOIN candidates c ON c.ticket_id = s.ticket_id
       WHERE s.ticket_id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ticketIds))
    .all<SendContext>();
  return new Map(results.map((r) => [r.ticket_id, r]));
}

/** Every ticket sent in one provider request (so an interrupted request can be replayed whole). */
export async function loadSendsByKey(db: D1Database, sendKey: string): Promise<number[]> {
  const { results } = await db
    .prepare(`SELECT ticket_id FROM survey_sends WHERE send_key = ?1 AND status = 'sending' ORDER BY ticket_id`)
    .bind(sendKey)
    .all<{ ticket_id: number }>();
  return results.map((r) => r.ticket_id);
}

// The UPDATEs below must look rows up by primary key, one per ticket in the JSON. In
// `UPDATE … FROM json_each`, the unary `+` on `status` keeps SQLite from scanning the status index
// (every claimed row) with the JSON as the inner loop: a batch would read thousands of rows.

export async function markSending(
  db: D1Database,
  ticketIds: number[],
  attempt: { linkExp: number; sendKey: string; provider: string },
  now: number,
): Promise<void> {
  if (ticketIds.length === 0) return;
  await db
    .prepare(
      `UPDATE survey_sends SET status = 'sending', link_exp = COALESCE(link_exp, ?2), send_key = ?3,
         attempts = attempts + 1, provider = ?4, enqueued_at = ?5
       WHERE ticket_id IN (SELECT value FROM json_each(?1)) AND +status IN ('claimed', 'sending')`,
    )
    .bind(JSON.stringify(ticketIds), attempt.linkExp, attempt.sendKey, attempt.provider, now)
    .run();
}

export async function markSent(
  db: D1Database,
  sent: Array<{ ticketId: number; messageId: string }>,
  now: number,
): Promise<void> {
  if (sent.length === 0) return;
  await db
    .prepare(
      `UPDATE survey_sends SET status = 'sent', sent_at = ?2, last_error = NULL, provider_message_id = j.value ->> 'm'
       FROM json_each(?1) AS j
       WHERE survey_sends.ticket_id = j.value ->> 't' AND +survey_sends.status IN ('claimed', 'sending')`,
    )
    .bind(JSON.stringify(sent.map((s) => ({ t: s.ticketId, m: s.messageId }))), now)
    .run();
}

/** Ends a ticket's dispatch: `failed` (it was meant to be sent) or `skipped` (re-checked and not eligible). */
export async function markFinal(
  db: D1Database,
  rows: Array<{ ticketId: number; reason: string }>,
  status: "failed" | "skipped",
  now: number,
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .prepare(
      `UPDATE survey_sends SET status = ?2, decided_at = ?3, reason = j.value ->> 'r'
       FROM json_each(?1) AS j
       WHERE survey_sends.ticket_id = j.value ->> 't' AND +survey_sends.status IN ('claimed', 'sending')`,
    )
    .bind(JSON.stringify(rows.map((r) => ({ t: r.ticketId, r: r.reason }))), status, now)
    .run();
}

export async function recordSendError(db: D1Database, ticketIds: number[], error: string): Promise<void> {
  if (ticketIds.length === 0) return;
  await db
    .prepare(`UPDATE survey_sends SET last_error = ?2 WHERE ticket_id IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify(ticketIds), error.slice(0, 500))
    .run();
}
