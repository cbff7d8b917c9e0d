// Which source a ticket key belongs to. Every table keys a ticket by one integer: a Zendesk ticket's
// own id (always positive) or a PostHog Support ticket's key (negative, given once per uuid in
// `posthog_support_tickets`; migrations/0017_posthog_support.sql). The rule is written here once.
import type { TicketSource } from "../config";

export function sourceOfKey(ticketKey: number): TicketSource {
  return ticketKey < 0 ? "posthog-support" : "zendesk";
}

/**
 * The PostHog Support `ticket_number` of the ticket keyed by `keyColumn` (NULL for a Zendesk ticket),
 * as a SELECT expression: what a person knows a PostHog ticket by.
 */
export function postHogNumberSql(keyColumn: string): string {
  return `(SELECT p.ticket_number FROM posthog_support_tickets p WHERE p.ticket_key = ${keyColumn})`;
}

/**
 * Gives each new PostHog Support uuid of `json` (rows `{id, no, pr, sla}`: uuid, number, priority,
 * SLA) its key: one less than the lowest key so far, in the order given. SQLite reads the whole SELECT
 * before inserting, so the lowest key is read once for the statement; a uuid already keyed keeps its key.
 */
export function allocateKeysStatement(db: D1Database, json: string, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO posthog_support_tickets (ticket_key, ticket_uuid, ticket_number, priority, sla_due_at, resolved_seen_by, created_at)
       SELECT (SELECT COALESCE(MIN(ticket_key), 0) FROM posthog_support_tickets) - ROW_NUMBER() OVER (ORDER BY j.key),
         j.value ->> 'id', j.value ->> 'no', j.value ->> 'pr', j.value ->> 'sla', NULL, ?2
       FROM json_each(?1) AS j
       WHERE NOT EXISTS (SELECT 1 FROM posthog_support_tickets p WHERE p.ticket_uuid = j.value ->> 'id')`,
    )
    .bind(json, now);
}

/** The key of one PostHog Support ticket, given to it now if it had none. */
export async function ticketKeyFor(
  db: D1Database,
  ticket: { uuid: string; number: number; priority: string | null; slaDueAt: number | null },
  now: number,
): Promise<number> {
  const json = JSON.stringify([{ id: ticket.uuid, no: ticket.number, pr: ticket.priority, sla: ticket.slaDueAt }]);
  const [, keyed] = await db.batch<{ ticket_key: number }>([
    allocateKeysStatement(db, json, now),
    db.prepare(`SELECT ticket_key FROM posthog_support_tickets WHERE ticket_uuid = ?1`).bind(ticket.uuid),
  ]);
  return keyed!.results[0]!.ticket_key;
}
