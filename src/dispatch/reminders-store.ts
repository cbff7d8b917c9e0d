// The reminders' own reads and writes: which surveyed tickets are due a reminder, their one decision
// each, and what the first email was built from. Their sending goes through sends-store.ts on the
// `survey_reminders` table. Whether a ticket is answered is read from the survey's `responses` on
// purpose: an answer is what ends a reminder.
import type { TicketSource } from "../config";
import { jsonChunks } from "../lib/json-chunks";
import {
  claimsWritten,
  lastEmailedSql,
  throttledAtClaimSql,
  type ClaimsWritten,
  type ClaimThrottle,
  type EmailSnapshot,
} from "./sends-store";

/** A ticket whose survey email was sent inside the reminder window and that has no reminder decision yet. */
export interface DueReminder {
  ticketId: number;
  surveySentAt: number;
  /** The survey link's expiry (Unix seconds). */
  linkExp: number;
  /** The address the survey went to; null once erased. */
  surveyAddress: string | null;
  addressFingerprint: string | null;
  answered: boolean;
  suppressed: boolean;
  /** When the address was last emailed (or claimed for) another ticket's survey or any reminder. */
  lastOtherEmailAt: number | null;
  ticket: {
    status: string;
    solvedAt: number | null;
    tags: string[];
    role: string | null;
    email: string | null;
    source: TicketSource;
    channel: string | null;
    updatedAt: number;
  };
}

interface DueReminderRow {
  ticket_id: number;
  sent_at: number;
  link_exp: number;
  to_address: string | null;
  address_fingerprint: string | null;
  answered: number;
  suppressed: number;
  last_other_email_at: number | null;
  status: string;
  solved_at: number | null;
  tags: string;
  requester_role: string | null;
  requester_email: string | null;
  source: TicketSource;
  channel: string | null;
  ticket_updated_at: number;
}

/** Surveys sent between `sentFrom` and `sentUntil` (ms) with no reminder decision yet, oldest first. */
export async function findDueReminders(
  db: D1Database,
  window: { sentFrom: number; sentUntil: number },
  limit: number,
): Promise<DueReminder[]> {
  const { results } = await db
    .prepare(
      `SELECT s.ticket_id, s.sent_at, s.link_exp, s.to_address, s.address_fingerprint,
         EXISTS (SELECT 1 FROM responses r WHERE r.ticket_id = s.ticket_id) AS answered,
         EXISTS (SELECT 1 FROM suppressions x
           WHERE x.address_fingerprint IN (s.address_fingerprint, c.address_fingerprint)) AS suppressed,
         NULLIF(${lastEmailedSql("s.address_fingerprint", "s.ticket_id")}, 0) AS last_other_email_at,
         c.status, c.solved_at, c.tags, c.requester_role, c.requester_email, c.source, c.channel, c.ticket_updated_at
       FROM survey_sends s JOIN candidates c ON c.ticket_id = s.ticket_id
       WHERE s.status = 'sent' AND s.sent_at BETWEEN ?1 AND ?2
         AND NOT EXISTS (SELECT 1 FROM survey_reminders m WHERE m.ticket_id = s.ticket_id)
       ORDER BY s.sent_at
       LIMIT ?3`,
    )
    .bind(window.sentFrom, window.sentUntil, limit)
    .all<DueReminderRow>();
  return results.map((r) => ({
    ticketId: r.ticket_id,
    surveySentAt: r.sent_at,
    linkExp: r.link_exp,
    surveyAddress: r.to_address,
    addressFingerprint: r.address_fingerprint,
    answered: r.answered === 1,
    suppressed: r.suppressed === 1,
    lastOtherEmailAt: r.last_other_email_at,
    ticket: {
      status: r.status,
      solvedAt: r.solved_at,
      tags: JSON.parse(r.tags) as string[],
      role: r.requester_role,
      email: r.requester_email,
      source: r.source,
      channel: r.channel,
      updatedAt: r.ticket_updated_at,
    },
  }));
}

export interface ReminderDecision {
  ticketId: number;
  /** null: claimed for sending; otherwise skipped with this reason. */
  skipReason: string | null;
  addressFingerprint: string | null;
  ticketUpdatedAt: number;
}

/**
 * Records each ticket's one reminder decision: a claim or a skip. A ticket already decided keeps its
 * decision, and only the run whose statement wrote a claim gets it back to queue, so however cron runs
 * overlap, each reminder is queued by one of them. A claim whose address was emailed within the
 * throttle meanwhile (another ticket claimed by an overlapping run) is written as a skip instead.
 */
export async function recordReminderDecisions(
  db: D1Database,
  decisions: ReminderDecision[],
  now: number,
  throttle: ClaimThrottle,
): Promise<ClaimsWritten> {
  if (decisions.length === 0) return { claimed: [], throttled: [] };
  const rows = decisions.map((d) => ({ t: d.ticketId, r: d.skipReason, f: d.addressFingerprint, u: d.ticketUpdatedAt }));
  const statement = db.prepare(
    `INSERT INTO survey_reminders (ticket_id, status, reason, address_fingerprint, decided_at, ticket_updated_at, enqueued_at)
       SELECT t, IIF(reason IS NULL, 'claimed', 'skipped'), reason, f, ?2, u, IIF(reason IS NULL, ?2, NULL)
       FROM (SELECT j.value ->> 't' AS t, j.value ->> 'f' AS f, j.value ->> 'u' AS u,
           COALESCE(j.value ->> 'r', ${throttledAtClaimSql("j.value ->> 'f'", "j.value ->> 't'")}) AS reason
         FROM json_each(?1) AS j) WHERE true
       ON CONFLICT (ticket_id) DO NOTHING
       RETURNING ticket_id, status`,
  );
  const results = await db.batch<{ ticket_id: number; status: string }>(
    jsonChunks(rows).map((json) => statement.bind(json, now, throttle.since, throttle.reason)),
  );
  const toClaim = new Set(decisions.filter((d) => d.skipReason === null).map((d) => d.ticketId));
  return claimsWritten(results, (ticketId) => toClaim.has(ticketId));
}

/** The survey a reminder repeats: its email's snapshot (null once erased), when it was sent, and whether it was answered. */
export interface FirstSurvey {
  snapshot: EmailSnapshot | null;
  sentAt: number;
  answered: boolean;
}

export async function firstSurveys(db: D1Database, ticketIds: number[]): Promise<Map<number, FirstSurvey>> {
  if (ticketIds.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT s.ticket_id, s.sent_at, s.to_address, s.to_name, s.team, s.distinct_id, s.link_exp,
         EXISTS (SELECT 1 FROM responses r WHERE r.ticket_id = s.ticket_id) AS answered
       FROM survey_sends s
       WHERE s.ticket_id IN (SELECT value FROM json_each(?1)) AND s.status = 'sent'`,
    )
    .bind(JSON.stringify(ticketIds))
    .all<{
      ticket_id: number;
      sent_at: number;
      to_address: string | null;
      to_name: string | null;
      team: string | null;
      distinct_id: string | null;
      link_exp: number;
      answered: number;
    }>();
  return new Map(
    results.map((r) => [
      r.ticket_id,
      {
        sentAt: r.sent_at,
        answered: r.answered === 1,
        snapshot:
          r.to_address !== null && r.distinct_id !== null
            ? { to: r.to_address, name: r.to_name, team: r.team, distinctId: r.distinct_id, linkExp: r.link_exp }
            : null,
      },
    ]),
  );
}
