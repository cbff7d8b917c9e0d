// What the survey reads of what the Zendesk sync knows about tickets (its \`candidates\` and
// \`ticket_context\` tables), beside the survey's own cache of Zendesk lookups: the one place the survey
// reads another capability's tables, mapped here to the survey's own types.
import type { SupportProperties } from "./posthog-event";

/** What a survey needs to know about a Zendesk ticket to accept an unsigned link for it. */
export interface TicketFacts {
  found: boolean;
  status: string | null;
  solvedAt: number | null;
  requesterId: number | null;
  requesterExternalId: string | null;
  groupName: string | null;
}

interface FactsRow {
  status: string | null;
  solved_at: number | null;
  requester_id: number | null;
  requester_external_id: string | null;
  group_name: string | null;
}

const toFacts = (row: FactsRow, found: boolean): TicketFacts => ({
  found,
  status: row.status,
  solvedAt: row.solved_at,
  requesterId: row.requester_id,
  requesterExternalId: row.requester_external_id,
  groupName: row.group_name,
});

/**
 * The ticket as the dispatcher's sync last read it, else as an earlier lookup for an unsigned link
 * found it (if that lookup is younger than `freshAfter`). Null when neither knows it.
 */
export async function knownTicketFacts(
  db: D1Database,
  ticketId: number,
  freshAfter: number,
): Promise<TicketFacts | null> {
  const [synced, looked] = await db.batch<FactsRow & { found?: number; checked_at?: number }>([
    db
      .prepare(
        `SELECT status, solved_at, requester_id, requester_external_id, group_name FROM candidates WHERE ticket_id = ?1`,
      )
      .bind(ticketId),
    db
      .prepare(
        `SELECT found, status, solved_at, requester_id, requester_external_id, group_name, checked_at
         FROM zendesk_ticket_lookups WHERE ticket_id = ?1 AND checked_at >= ?2`,
      )
      .bind(ticketId, freshAfter),
  ]);
  const fromSync = synced?.results[0];
  if (fromSync) return toFacts(fromSync, true);
  const fromLookup = looked?.results[0];
  return fromLookup ? toFacts(fromLookup, fromLookup.found === 1) : null;
}

/** Keeps what Zendesk said about a ticket (or that it did not have it). */
export async function rememberTicketFacts(
  db: D1Database,
  ticketId: number,
  facts: TicketFacts,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO zendesk_ticket_lookups (ticket_id, found, status, solved_at, requester_id, requester_external_id, group_name, checked_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
       ON CONFLICT (ticket_id) DO UPDATE SET found = excluded.found, status = excluded.status, solved_at = excluded.solved_at,
         requester_id = excluded.requester_id, requester_external_id = excluded.requester_external_id,
         group_name = excluded.group_name, checked_at = excluded.checked_at`,
    )
    .bind(
      ticketId,
      facts.found ? 1 : 0,
      facts.status,
      facts.solvedAt,
      facts.requesterId,
      facts.requesterExternalId,
      facts.groupName,
      now,
    )
    .run();
}

/** Erasure: what a lookup kept of the person's tickets' requester. */
export function eraseLookups(db: D1Database, ticketIdsJson: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE zendesk_ticket_lookups SET requester_external_id = NULL, requester_id = NULL
       WHERE ticket_id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(ticketIdsJson);
}

/** Lookups are a cache: those older than a day are dropped (the cron's prune step). */
export async function pruneLookups(db: D1Database, before: number): Promise<number> {
  const result = await db.prepare(`DELETE FROM zendesk_ticket_lookups WHERE checked_at < ?1`).bind(before).run();
  return result.meta.changes;
}

interface SupportContextRow {
  ticket_id: number;
  plan: string | null;
  severity: string | null;
  first_reply_hours: number | null;
  target_hours: number | null;
  target_met: number | null;
  reopens: number | null;
  replies: number | null;
  assignee_id: number | null;
  assignee_name: string | null;
}

/**
 * The support each ticket got, as the sync recorded it (`ticket_context`), for the `survey sent`
 * events; tickets the sync has not seen (answers to unsigned or manual links) are absent.
 */
export async function supportContexts(db: D1Database, ticketIds: number[]): Promise<Map<number, SupportProperties>> {
  if (ticketIds.length === 0) return new Map();
  const posthog = await postHogTicketProperties(db, ticketIds);
  const zendesk = await zendeskContexts(db, ticketIds);
  for (const [key, props] of posthog) zendesk.set(key, props);
  return zendesk;
}

const NO_CONTEXT = {
  plan: null,
  severity: null,
  firstReplyHours: null,
  targetHours: null,
  targetMet: null,
  reopens: null,
  replies: null,
  assigneeId: null,
  assignee: null,
};

/** PostHog Support tickets among these keys, as the dispatcher recorded them: uuid, number, channel, priority. */
async function postHogTicketProperties(db: D1Database, keys: number[]): Promise<Map<number, SupportProperties>> {
  const { results } = await db
    .prepare(
      `SELECT p.ticket_key, p.ticket_uuid, p.ticket_number, p.priority, c.channel
       FROM posthog_support_tickets p LEFT JOIN candidates c ON c.ticket_id = p.ticket_key
       WHERE p.ticket_key IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(keys))
    .all<{
      ticket_key: number;
      ticket_uuid: string;
      ticket_number: number;
      priority: string | null;
      channel: string | null;
    }>();
  return new Map(
    results.map((r) => [
      r.ticket_key,
      {
        ...NO_CONTEXT,
        ticketSource: "posthog-support" as const,
        ticketUuid: r.ticket_uuid,
        ticketNumber: r.ticket_number,
        channel: r.channel,
        priority: r.priority,
      },
    ]),
  );
}

async function zendeskContexts(db: D1Database, ticketIds: number[]): Promise<Map<number, SupportProperties>> {
  const { results } = await db
    .prepare(
      `SELECT ticket_id, plan, severity, first_reply_hours, target_hours, target_met, reopens, replies, assignee_id, assignee_name
       FROM ticket_context WHERE ticket_id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ticketIds))
    .all<SupportContextRow>();
  return new Map(
    results.map((c) => [
      c.ticket_id,
      {
        plan: c.plan,
        severity: c.severity,
        firstReplyHours: c.first_reply_hours,
        targetHours: c.target_hours,
        targetMet: c.target_met === null ? null : c.target_met === 1,
        reopens: c.reopens,
        replies: c.replies,
        assigneeId: c.assignee_id,
        assignee: c.assignee_name,
      },
    ]),
  );
}

/**
 * The product's key of a PostHog Support ticket a signed link names (by PostHog's uuid), as the
 * dispatcher recorded it when it sent the survey; null when the product never saw that ticket.
 */
export async function postHogTicketKey(db: D1Database, ticketUuid: string): Promise<number | null> {
  const row = await db
    .prepare(`SELECT ticket_key FROM posthog_support_tickets WHERE ticket_uuid = ?1`)
    .bind(ticketUuid)
    .first<{ ticket_key: number }>();
  return row?.ticket_key ?? null;
}
