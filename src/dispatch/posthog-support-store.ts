import { addressKeys, type AddressKeys } from "../lib/email-address";
import { jsonChunks } from "../lib/json-chunks";
import { replaceLegacyHashes } from "./fingerprints-store";
import { allocateKeysStatement } from "../lib/ticket-keys";
import type { SyncedTicket } from "./sends-store";
import type { PostHogTicketRef } from "./sources/posthog-support";
import type { SyncStatus } from "./candidates-store";

/** A PostHog Support ticket as one path (the poll, the webhook, the re-check) last saw it. */
export interface SeenTicket {
  ref: PostHogTicketRef;
  /** The ticket; its `solvedAt` is the resolved time this sighting gives (null when not resolved). */
  ticket: SyncedTicket;
  /** The version seen (the ticket's `updated_at`, or the event's time): an older one never overwrites a newer. */
  seenVersion: number;
}

export type SeenBy = "poll" | "webhook" | "recheck";

/**
 * The candidate rows. A resolved sighting of a ticket already known resolved keeps the earlier
 * resolved time (push and poll of one resolution: the earlier counts; a later `updated_at` only means
 * the ticket changed after resolving). Anything else follows the newer version: a reopened ticket
 * loses its resolved time, and resolving it again starts a new one. The webhook's event carries no
 * tags, so its sighting keeps the tags the poll or re-check read.
 */
function candidateStatement(db: D1Database, json: string, now: number, by: SeenBy): D1PreparedStatement {
  const tags = by === "webhook" ? "candidates.tags" : "excluded.tags";
  // Strictly newer: the poll reads its boundary ticket again each run (date_from is inclusive), and the
  // same version read again must not bring back what an erasure cleared.
  const newer = "excluded.ticket_updated_at > candidates.ticket_updated_at";
  return db
    .prepare(
      `INSERT INTO candidates (ticket_id, source, status, solved_at, requester_id, requester_email, requester_name,
         requester_external_id, requester_role, address_fingerprint, group_name, tags, channel, ticket_updated_at, synced_at)
       SELECT p.ticket_key, 'posthog-support', j.value ->> 's', j.value ->> 'sa', NULL, j.value ->> 'e', j.value ->> 'n',
         j.value ->> 'x', 'end-user', j.value ->> 'f', NULL, COALESCE(j.value ->> 'tg', '[]'), j.value ->> 'c',
         j.value ->> 'u', ?2
       FROM json_each(?1) AS j JOIN posthog_support_tickets p ON p.ticket_uuid = j.value ->> 'id'
       WHERE true
       ON CONFLICT (ticket_id) DO UPDATE SET
         solved_at = CASE
           WHEN excluded.status = 'resolved' AND candidates.status = 'resolved' AND candidates.solved_at IS NOT NULL
             THEN min(candidates.solved_at, excluded.solved_at)
           WHEN ${newer} THEN excluded.solved_at
           ELSE candidates.solved_at END,
         status = CASE WHEN ${newer} THEN excluded.status ELSE candidates.status END,
         requester_email = CASE WHEN ${newer} THEN excluded.requester_email ELSE candidates.requester_email END,
         requester_name = CASE WHEN ${newer} THEN excluded.requester_name ELSE candidates.requester_name END,
         requester_external_id = CASE WHEN ${newer} THEN excluded.requester_external_id ELSE candidates.requester_external_id END,
         address_fingerprint = CASE WHEN ${newer} THEN excluded.address_fingerprint ELSE candidates.address_fingerprint END,
         tags = CASE WHEN ${newer} THEN ${tags} ELSE candidates.tags END,
         channel = CASE WHEN ${newer} THEN excluded.channel ELSE candidates.channel END,
         ticket_updated_at = max(candidates.ticket_updated_at, excluded.ticket_updated_at),
         synced_at = excluded.synced_at`,
    )
    .bind(json, now);
}

/** The ticket's number, priority and SLA (the webhook's event carries no SLA: it keeps the one read). */
function refStatement(db: D1Database, json: string, by: SeenBy): D1PreparedStatement {
  const sla = by === "webhook" ? "sla_due_at" : "j.value ->> 'sla'";
  return db
    .prepare(
      `UPDATE posthog_support_tickets SET ticket_number = j.value ->> 'no', priority = j.value ->> 'pr',
         sla_due_at = ${sla},
         resolved_seen_by = CASE WHEN j.value ->> 's' = 'resolved' THEN COALESCE(resolved_seen_by, ?2) ELSE NULL END
       FROM json_each(?1) AS j WHERE posthog_support_tickets.ticket_uuid = j.value ->> 'id'`,
    )
    .bind(json, by);
}

/**
 * Records sightings of PostHog Support tickets in one batch (one transaction): their keys, their
 * candidate rows and, for the poll, the position after them, so the position never runs ahead of the
 * tickets it covers.
 */
export async function saveSeenTickets(
  db: D1Database,
  seen: SeenTicket[],
  by: SeenBy,
  options: {
    now: number;
    /** ADDRESS_FINGERPRINT_KEY: addresses are stored by their keyed fingerprint. */
    fingerprintKey: string;
    position?: { project: string; syncedThrough: number; state: SyncStatus };
    /** A webhook delivery, recorded in the same transaction as what it brought. */
    delivery?: { webhookId: string; outcome: string };
  },
): Promise<void> {
  const unique = [...new Map(seen.map((s) => [s.ref.uuid, s])).values()];
  const keys = await Promise.all(
    unique.map(({ ticket }) => (ticket.email ? addressKeys(options.fingerprintKey, ticket.email) : null)),
  );
  const addresses = keys.filter((k): k is AddressKeys => k !== null);
  const rows = unique.map(({ ref, ticket, seenVersion }, i) => ({
    id: ref.uuid,
    no: ref.number,
    pr: ref.priority,
    sla: ref.slaDueAt,
    s: ticket.status,
    sa: ticket.solvedAt,
    e: ticket.email,
    n: ticket.name,
    x: ticket.externalId,
    f: keys[i]?.fingerprint ?? null,
    tg: JSON.stringify(ticket.tags),
    c: ticket.channel,
    u: seenVersion,
  }));
  // An address known to older rows by its bare hash is keyed in the same batch (fingerprints-store.ts).
  const statements = replaceLegacyHashes(db, addresses);
  statements.push(...jsonChunks(rows).flatMap((json) => [
    allocateKeysStatement(db, json, options.now),
    refStatement(db, json, by),
    candidateStatement(db, json, options.now, by),
  ]));
  if (options.position) {
    const { project, syncedThrough, state } = options.position;
    statements.push(
      db
        .prepare(
          `INSERT INTO posthog_support_sync (project, synced_through, pages, status, detail, checked_at)
           VALUES (?1, ?2, 1, ?3, NULL, ?4)
           ON CONFLICT (project) DO UPDATE SET synced_through = max(COALESCE(synced_through, 0), excluded.synced_through),
             pages = pages + 1, status = excluded.status, detail = NULL, checked_at = excluded.checked_at`,
        )
        .bind(project, syncedThrough, state, options.now),
    );
  }
  if (options.delivery) statements.push(deliveryStatement(db, options.delivery, options.now));
  if (statements.length > 0) await db.batch(statements);
}

/** Where the poll of a project stands: the newest `updated_at` stored, if any run stored one. */
export async function readPollPosition(db: D1Database, project: string): Promise<number | null> {
  const row = await db
    .prepare(`SELECT synced_through FROM posthog_support_sync WHERE project = ?1`)
    .bind(project)
    .first<{ synced_through: number | null }>();
  return row?.synced_through ?? null;
}

/** How the poll of a project is doing (for /admin/dispatch), without moving its position. */
export async function recordPollState(
  db: D1Database,
  project: string,
  status: SyncStatus,
  detail: string | null,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO posthog_support_sync (project, status, detail, checked_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (project) DO UPDATE SET status = excluded.status, detail = excluded.detail, checked_at = excluded.checked_at`,
    )
    .bind(project, status, detail?.slice(0, 500) ?? null, now)
    .run();
}

/** The PostHog identity of tickets by key (the consumer builds links and re-checks with it). */
export async function ticketRefs(db: D1Database, keys: number[]): Promise<Map<number, PostHogTicketRef>> {
  if (keys.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT ticket_key, ticket_uuid, ticket_number, priority, sla_due_at FROM posthog_support_tickets
       WHERE ticket_key IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(keys))
    .all<{
      ticket_key: number;
      ticket_uuid: string;
      ticket_number: number;
      priority: string | null;
      sla_due_at: number | null;
    }>();
  return new Map(
    results.map((r) => [
      r.ticket_key,
      { uuid: r.ticket_uuid, number: r.ticket_number, priority: r.priority, slaDueAt: r.sla_due_at },
    ]),
  );
}

/** Whether a webhook delivery (by its webhook-id, which retries keep) was already taken. */
export async function deliveryTaken(db: D1Database, webhookId: string): Promise<boolean> {
  const row = await db
    .prepare(`SELECT 1 AS taken FROM posthog_webhook_deliveries WHERE webhook_id = ?1`)
    .bind(webhookId)
    .first<{ taken: number }>();
  return row !== null;
}

function deliveryStatement(db: D1Database, delivery: { webhookId: string; outcome: string }, now: number) {
  return db
    .prepare(
      `INSERT INTO posthog_webhook_deliveries (webhook_id, received_at, outcome) VALUES (?1, ?2, ?3)
       ON CONFLICT (webhook_id) DO NOTHING`,
    )
    .bind(delivery.webhookId, now, delivery.outcome);
}

/** Deliveries older than the accepted timestamp window can never be replayed: dropped. */
export async function pruneDeliveries(db: D1Database, before: number): Promise<number> {
  const result = await db.prepare(`DELETE FROM posthog_webhook_deliveries WHERE received_at < ?1`).bind(before).run();
  return result.meta.changes;
}

export interface PollState {
  project: string;
  status: SyncStatus | null;
  detail: string | null;
  pages: number;
  syncedThrough: number | null;
  checkedAt: number | null;
}

/** How each PostHog project's poll is doing (for /admin/dispatch). */
export async function readPollStates(db: D1Database): Promise<PollState[]> {
  const { results } = await db
    .prepare(
      `SELECT project, status, detail, pages, synced_through, checked_at FROM posthog_support_sync
       ORDER BY checked_at DESC LIMIT 10`,
    )
    .all<{
      project: string;
      status: SyncStatus | null;
      detail: string | null;
      pages: number;
      synced_through: number | null;
      checked_at: number | null;
    }>();
  return results.map((r) => ({
    project: r.project,
    status: r.status,
    detail: r.detail,
    pages: r.pages,
    syncedThrough: r.synced_through,
    checkedAt: r.checked_at,
  }));
}
