import type { AddressKeys } from "../lib/email-address";
import { jsonChunks } from "../lib/json-chunks";
import { replaceLegacyHashes } from "./fingerprints-store";
import type { TicketContext } from "./support-context";
/** A ticket as the dispatcher keeps it (the `candidates` table, as the sync writes it). */
export interface Candidate {
  ticketId: number;
  status: string;
  solvedAt: number | null;
  requesterId: number | null;
  email: string | null;
  name: string | null;
  externalId: string | null;
  role: string | null;
  /** The keyed fingerprint of `email` (throttling and suppression). */
  addressFingerprint: string | null;
  groupName: string | null;
  tags: string[];
  ticketUpdatedAt: number;
}

/** Where the sync of an account stands: the cursor after the last stored page and the page size it reads with. */
export async function readSyncPosition(
  db: D1Database,
  account: string,
): Promise<{ cursor: string | null; perPage: number | null }> {
  const row = await db
    .prepare(`SELECT cursor, per_page FROM zendesk_sync WHERE account = ?1`)
    .bind(account)
    .first<{ cursor: string | null; per_page: number | null }>();
  return { cursor: row?.cursor ?? null, perPage: row?.per_page ?? null };
}

/**
 * A page that could not be read: what happened (size and cause) and the smaller page size the sync
 * reads with from now on. The cursor stays where it was, so no ticket is skipped.
 */
export async function recordUnreadablePage(
  db: D1Database,
  account: string,
  page: { detail: string; perPage: number; now: number },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO zendesk_sync (account, cursor, pages, updated_at, status, detail, checked_at, per_page, unreadable_detail, unreadable_at)
       VALUES (?1, NULL, 0, ?4, 'error', ?2, ?4, ?3, ?2, ?4)
       ON CONFLICT (account) DO UPDATE SET status = 'error', detail = excluded.detail, checked_at = excluded.checked_at,
         per_page = excluded.per_page, unreadable_detail = excluded.unreadable_detail, unreadable_at = excluded.unreadable_at`,
    )
    .bind(account, page.detail.slice(0, 500), page.perPage, page.now)
    .run();
}

/**
 * Stores one export page and the cursor after it in one batch (one transaction), so the cursor never
 * runs ahead of the tickets it covers. The page's rows travel as JSON, one statement per chunk
 * within D1's string limit. The rows the page's addresses had before fingerprints were keyed are
 * keyed in the same batch, so an address is never known by a fingerprint here and a bare hash elsewhere.
 * An older copy of a ticket never overwrites a newer one.
 */
export async function savePage(
  db: D1Database,
  account: string,
  page: { candidates: Candidate[]; addresses: AddressKeys[] },
  contexts: TicketContext[],
  after: { afterCursor: string | null; newestChange: number | null; state: SyncStatus; now: number; perPage: number },
): Promise<void> {
  const now = after.now;
  const rows = page.candidates.map((c) => ({
    t: c.ticketId,
    s: c.status,
    sa: c.solvedAt,
    r: c.requesterId,
    e: c.email,
    n: c.name,
    x: c.externalId,
    ro: c.role,
    f: c.addressFingerprint,
    g: c.groupName,
    tg: JSON.stringify(c.tags),
    u: c.ticketUpdatedAt,
  }));
  const statements = replaceLegacyHashes(db, page.addresses);
  const upserts = jsonChunks(rows).map((json) =>
    db
      .prepare(
        `INSERT INTO candidates (ticket_id, status, solved_at, requester_id, requester_email, requester_name,
           requester_external_id, requester_role, address_fingerprint, group_name, tags, ticket_updated_at, synced_at)
         SELECT j.value ->> 't', j.value ->> 's', j.value ->> 'sa', j.value ->> 'r', j.value ->> 'e', j.value ->> 'n',
           j.value ->> 'x', j.value ->> 'ro', j.value ->> 'f', j.value ->> 'g', j.value ->> 'tg', j.value ->> 'u', ?2
         FROM json_each(?1) AS j WHERE true
         ON CONFLICT (ticket_id) DO UPDATE SET
           status = excluded.status, solved_at = excluded.solved_at, requester_id = excluded.requester_id,
           requester_email = excluded.requester_email, requester_name = excluded.requester_name,
           requester_external_id = excluded.requester_external_id, requester_role = excluded.requester_role,
           address_fingerprint = excluded.address_fingerprint, legacy_email_hash = NULL,
           group_name = excluded.group_name, tags = excluded.tags,
           ticket_updated_at = excluded.ticket_updated_at, synced_at = excluded.synced_at
         WHERE excluded.ticket_updated_at >= candidates.ticket_updated_at`,
      )
      .bind(json, now),
  );
  statements.push(...upserts, ...contextStatements(db, contexts));
  statements.push(
    db
      .prepare(
        `INSERT INTO zendesk_sync (account, cursor, pages, updated_at, status, detail, synced_through, checked_at, per_page)
         VALUES (?3, ?1, 1, ?2, ?4, NULL, ?5, ?2, ?6)
         ON CONFLICT (account) DO UPDATE SET cursor = COALESCE(excluded.cursor, zendesk_sync.cursor),
           pages = zendesk_sync.pages + 1, updated_at = excluded.updated_at, status = excluded.status, detail = NULL,
           synced_through = max(COALESCE(zendesk_sync.synced_through, 0), COALESCE(excluded.synced_through, 0)),
           checked_at = excluded.checked_at, per_page = excluded.per_page`,
      )
      .bind(after.afterCursor, now, account, after.state, after.newestChange, after.perPage),
  );
  await db.batch(statements);
}

/** The support context of a page's tickets; an older copy never overwrites a newer one. */
function contextStatements(db: D1Database, contexts: TicketContext[]): D1PreparedStatement[] {
  const b = (value: boolean | null) => (value === null ? null : value ? 1 : 0);
  const rows = contexts.map((c) => ({
    t: c.ticketId,
    p: c.plan,
    s: c.severity,
    c: c.createdAt,
    fm: c.firstReplyMinutes,
    fh: c.firstReplyHours,
    th: c.targetHours,
    tm: b(c.targetMet),
    rm: c.fullResolutionMinutes,
    ro: c.reopens,
    re: c.replies,
    a: c.assigneeId,
    an: c.assigneeName,
    u: c.ticketUpdatedAt,
  }));
  return jsonChunks(rows).map((json) =>
    db
      .prepare(
        `INSERT INTO ticket_context (ticket_id, plan, severity, created_at, first_reply_minutes, first_reply_hours,
           target_hours, target_met, full_resolution_minutes, reopens, replies, assignee_id, assignee_name, ticket_updated_at)
         SELECT j.value ->> 't', j.value ->> 'p', j.value ->> 's', j.value ->> 'c', j.value ->> 'fm', j.value ->> 'fh',
           j.value ->> 'th', j.value ->> 'tm', j.value ->> 'rm', j.value ->> 'ro', j.value ->> 're', j.value ->> 'a',
           j.value ->> 'an', j.value ->> 'u'
         FROM json_each(?1) AS j WHERE true
         ON CONFLICT (ticket_id) DO UPDATE SET
           plan = excluded.plan, severity = excluded.severity, created_at = excluded.created_at,
           first_reply_minutes = excluded.first_reply_minutes, first_reply_hours = excluded.first_reply_hours,
           target_hours = excluded.target_hours, target_met = excluded.target_met,
           full_resolution_minutes = excluded.full_resolution_minutes, reopens = excluded.reopens,
           replies = excluded.replies, assignee_id = excluded.assignee_id, assignee_name = excluded.assignee_name,
           ticket_updated_at = excluded.ticket_updated_at
         WHERE excluded.ticket_updated_at >= ticket_context.ticket_updated_at`,
      )
      .bind(json),
  );
}

export type SyncStatus = "up to date" | "reading" | "throttled" | "forbidden" | "error";

/** Records how the sync of an account is doing (for /admin/dispatch), without moving its cursor. */
export async function recordSyncState(
  db: D1Database,
  account: string,
  status: SyncStatus,
  detail: string | null,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO zendesk_sync (account, cursor, pages, updated_at, status, detail, checked_at)
       VALUES (?1, NULL, 0, ?4, ?2, ?3, ?4)
       ON CONFLICT (account) DO UPDATE SET status = excluded.status, detail = excluded.detail, checked_at = excluded.checked_at`,
    )
    .bind(account, status, detail?.slice(0, 500) ?? null, now)
    .run();
}

export interface SyncState {
  account: string;
  status: SyncStatus | null;
  detail: string | null;
  pages: number;
  syncedThrough: number | null;
  checkedAt: number | null;
  /** Tickets per export page (null: Zendesk's maximum, 1000). */
  perPage: number | null;
  /** The last page that could not be read, and when. */
  unreadable: { detail: string; at: number } | null;
}

export async function readSyncStates(db: D1Database): Promise<SyncState[]> {
  const { results } = await db
    .prepare(
      `SELECT account, status, detail, pages, synced_through, checked_at, per_page, unreadable_detail, unreadable_at
       FROM zendesk_sync ORDER BY checked_at DESC LIMIT 10`,
    )
    .all<{
      account: string;
      status: SyncStatus | null;
      detail: string | null;
      pages: number;
      synced_through: number | null;
      checked_at: number | null;
      per_page: number | null;
      unreadable_detail: string | null;
      unreadable_at: number | null;
    }>();
  return results.map((r) => ({
    account: r.account,
    status: r.status,
    detail: r.detail,
    pages: r.pages,
    syncedThrough: r.synced_through,
    checkedAt: r.checked_at,
    perPage: r.per_page,
    unreadable:
      r.unreadable_detail !== null && r.unreadable_at !== null
        ? { detail: r.unreadable_detail, at: r.unreadable_at }
        : null,
  }));
}

/**
 * Erasure: the requester's fields on the person's tickets, with their address's fingerprint and any
 * older bare hash (the sync brings them back only if the ticket changes).
 */
export function eraseRequesters(db: D1Database, ticketIdsJson: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE candidates SET requester_email = NULL, requester_name = NULL, requester_external_id = NULL,
         address_fingerprint = NULL, legacy_email_hash = NULL
       WHERE ticket_id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(ticketIdsJson);
}
