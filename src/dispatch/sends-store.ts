import type { TicketSource } from "../config";
import type { OutgoingEmail } from "../services/mail";
import { jsonChunks } from "../lib/json-chunks";
import type { DuePrefilter } from "./eligibility";

export type SendStatus = "claimed" | "sending" | "sent" | "failed" | "skipped";

/**
 * Where a send's state lives: the survey emails, or their one reminder each. Both tables have the same
 * columns, so every step from the claim to the settlement is the same code on either.
 */
export type SendTable = "survey_sends" | "survey_reminders";

interface DueRow {
  ticket_id: number;
  status: string;
  solved_at: number | null;
  tags: string;
  requester_role: string | null;
  requester_email: string | null;
  address_fingerprint: string | null;
  ticket_updated_at: number;
  suppressed: number;
  last_surveyed_at: number | null;
  source: TicketSource;
  channel: string | null;
}

/** A ticket due for a decision, with what the eligibility rules and throttling need to know. */
export interface DueTicket {
  ticketId: number;
  status: string;
  solvedAt: number | null;
  tags: string[];
  requesterRole: string | null;
  email: string | null;
  addressFingerprint: string | null;
  suppressed: boolean;
  /** When this address was last surveyed (or claimed for a survey), if ever. */
  lastSurveyedAt: number | null;
  ticketUpdatedAt: number;
  source: TicketSource;
  channel: string | null;
}

function toDueTicket(r: DueRow): DueTicket {
  return {
    ticketId: r.ticket_id,
    status: r.status,
    solvedAt: r.solved_at,
    tags: JSON.parse(r.tags) as string[],
    requesterRole: r.requester_role,
    email: r.requester_email,
    addressFingerprint: r.address_fingerprint,
    suppressed: r.suppressed === 1,
    lastSurveyedAt: r.last_surveyed_at,
    ticketUpdatedAt: r.ticket_updated_at,
    source: r.source,
    channel: r.channel,
  };
}

/** The send states that count as emailing an address: claimed, being sent, or sent. */
const EMAILED = `('claimed', 'sending', 'sent')`;

/**
 * SQL: when the address with fingerprint `fingerprint` was last emailed (or claimed for) a survey or a
 * reminder of a ticket other than `ticketId`, 0 if never. Both arguments are SQL expressions of the
 * statement it goes in. Throttling reads it when deciding, and the claims again as they are written.
 */
export function lastEmailedSql(fingerprint: string, ticketId: string): string {
  return `max(
    COALESCE((SELECT MAX(p.decided_at) FROM survey_sends p WHERE p.address_fingerprint = ${fingerprint}
      AND p.ticket_id <> ${ticketId} AND p.status IN ${EMAILED}), 0),
    COALESCE((SELECT MAX(o.decided_at) FROM survey_reminders o WHERE o.address_fingerprint = ${fingerprint}
      AND o.ticket_id <> ${ticketId} AND o.status IN ${EMAILED}), 0))`;
}

/**
 * What a claim checks as it is written: another email to the address since `since` makes it a skip
 * with `reason`. The decision read the address's last email earlier; an overlapping run may have
 * claimed another ticket of the address in between, and one statement is all D1 runs at a time.
 */
export interface ClaimThrottle {
  since: number;
  reason: string;
}

/** SQL: the skip reason of a claim of ticket `ticketId` to `fingerprint` under the throttle bound to ?3 and ?4, or NULL. */
export const throttledAtClaimSql = (fingerprint: string, ticketId: string) =>
  `IIF(${lastEmailedSql(fingerprint, ticketId)} > ?3, ?4, NULL)`;

/** What writing claims came to: the tickets this run claimed, and those the throttle turned into skips as they were written. */
export interface ClaimsWritten {
  claimed: number[];
  throttled: number[];
}

/** The claimed and throttled tickets among the rows a claim statement returned (`candidates`: those written as claims). */
export function claimsWritten(
  results: Array<D1Result<{ ticket_id: number; status: string }>>,
  candidates: (ticketId: number) => boolean = () => true,
): ClaimsWritten {
  const rows = results.flatMap((r) => r.results);
  return {
    claimed: rows.filter((row) => row.status === "claimed").map((row) => row.ticket_id),
    throttled: rows.filter((row) => row.status === "skipped" && candidates(row.ticket_id)).map((row) => row.ticket_id),
  };
}

/** No throttle (a test's claims, made with no other email in mind). */
const UNTHROTTLED: ClaimThrottle = { since: Number.MAX_SAFE_INTEGER, reason: "" };

/**
 * Tickets solved inside the due window that have no decision yet, or whose skip was made on an
 * older version of the ticket; with what throttling and suppression need to know (a reminder is an
 * email to the address too).
 */
export async function findDueCandidates(db: D1Database, due: DuePrefilter, limit: number): Promise<DueTicket[]> {
  const { results } = await db
    .prepare(
      `SELECT c.ticket_id, c.status, c.solved_at, c.tags, c.requester_role, c.requester_email, c.address_fingerprint,
         c.ticket_updated_at, c.source, c.channel,
         EXISTS (SELECT 1 FROM suppressions s WHERE s.address_fingerprint = c.address_fingerprint) AS suppressed,
         NULLIF(${lastEmailedSql("c.address_fingerprint", "c.ticket_id")}, 0) AS last_surveyed_at
       FROM candidates c LEFT JOIN survey_sends d ON d.ticket_id = c.ticket_id
       WHERE c.status IN (SELECT value FROM json_each(?4)) AND c.solved_at BETWEEN ?1 AND ?2
         AND (d.ticket_id IS NULL OR (d.status = 'skipped' AND d.ticket_updated_at < c.ticket_updated_at))
       ORDER BY c.solved_at
       LIMIT ?3`,
    )
    .bind(due.solvedFrom, due.solvedUntil, limit, JSON.stringify(due.statuses))
    .all<DueRow>();
  return results.map(toDueTicket);
}

export interface SkipDecision {
  ticketId: number;
  reason: string;
  addressFingerprint: string | null;
  ticketUpdatedAt: number;
}

/** Records skips; a ticket already claimed or sent keeps that state. */
export async function recordSkips(db: D1Database, skips: SkipDecision[], now: number): Promise<void> {
  if (skips.length === 0) return;
  const rows = skips.map((s) => ({ t: s.ticketId, r: s.reason, f: s.addressFingerprint, u: s.ticketUpdatedAt }));
  const statement = db.prepare(
    `INSERT INTO survey_sends (ticket_id, status, reason, address_fingerprint, decided_at, ticket_updated_at)
       SELECT j.value ->> 't', 'skipped', j.value ->> 'r', j.value ->> 'f', ?2, j.value ->> 'u'
       FROM json_each(?1) AS j WHERE true
       ON CONFLICT (ticket_id) DO UPDATE SET reason = excluded.reason, decided_at = excluded.decided_at,
         ticket_updated_at = excluded.ticket_updated_at, address_fingerprint = excluded.address_fingerprint,
         legacy_email_hash = NULL
       WHERE survey_sends.status = 'skipped'`,
  );
  await db.batch(jsonChunks(rows).map((json) => statement.bind(json, now)));
}

/**
 * Claims tickets for sending. Only the run whose statement wrote the claim gets the ticket back, so
 * however cron runs overlap, each ticket is queued by one of them. A claim whose address was emailed
 * within the throttle meanwhile (by an overlapping run) is written as a skip instead.
 */
export async function claimTickets(
  db: D1Database,
  claims: Array<{ ticketId: number; addressFingerprint: string | null; ticketUpdatedAt: number }>,
  now: number,
  throttle: ClaimThrottle = UNTHROTTLED,
): Promise<ClaimsWritten> {
  if (claims.length === 0) return { claimed: [], throttled: [] };
  const rows = claims.map((c) => ({ t: c.ticketId, f: c.addressFingerprint, u: c.ticketUpdatedAt }));
  const statement = db.prepare(
    `INSERT INTO survey_sends (ticket_id, status, reason, address_fingerprint, decided_at, ticket_updated_at, enqueued_at)
       SELECT t, IIF(reason IS NULL, 'claimed', 'skipped'), reason, f, ?2, u, IIF(reason IS NULL, ?2, NULL)
       FROM (SELECT j.value ->> 't' AS t, j.value ->> 'f' AS f, j.value ->> 'u' AS u,
           ${throttledAtClaimSql("j.value ->> 'f'", "j.value ->> 't'")} AS reason
         FROM json_each(?1) AS j) WHERE true
       ON CONFLICT (ticket_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
         decided_at = excluded.decided_at, ticket_updated_at = excluded.ticket_updated_at,
         address_fingerprint = excluded.address_fingerprint, legacy_email_hash = NULL, enqueued_at = excluded.enqueued_at
       WHERE survey_sends.status = 'skipped'
       RETURNING ticket_id, status`,
  );
  const results = await db.batch<{ ticket_id: number; status: string }>(
    jsonChunks(rows).map((json) => statement.bind(json, now, throttle.since, throttle.reason)),
  );
  return claimsWritten(results);
}

/**
 * Claims whose queue message may have been lost (a crash between claiming and queueing, or a message
 * that ran out of retries): queued again, at most once an hour each.
 */
export async function reclaimStale(
  db: D1Database,
  now: number,
  olderThanMs: number,
  limit: number,
  table: SendTable = "survey_sends",
): Promise<number[]> {
  const { results } = await db
    .prepare(
      `UPDATE ${table} SET enqueued_at = ?1
       WHERE ticket_id IN (SELECT ticket_id FROM ${table}
         WHERE status IN ('claimed', 'sending') AND enqueued_at < ?2 AND COALESCE(retry_at, 0) <= ?1
         ORDER BY enqueued_at LIMIT ?3)
       RETURNING ticket_id`,
    )
    .bind(now, now - olderThanMs, limit)
    .all<{ ticket_id: number }>();
  return results.map((r) => r.ticket_id);
}

/** What an email is built from, fixed at its first attempt so a replay sends the very same bytes. */
export interface EmailSnapshot {
  to: string;
  name: string | null;
  team: string | null;
  distinctId: string;
  linkExp: number;
}

/** A claimed ticket as the consumer sees it: its send state, and the ticket as the sync now knows it. */
export interface SendClaim {
  ticketId: number;
  status: SendStatus;
  sendKey: string | null;
  sendStartedAt: number | null;
  /** Set while a send's outcome is unknown ('sending'). */
  snapshot: EmailSnapshot | null;
  /** The email exactly as it was handed to the provider (set with the snapshot). */
  email: OutgoingEmail | null;
  ticket: SyncedTicket;
  /** The ticket's address (as claimed, or as now synced) asked for no more surveys. */
  suppressed: boolean;
  /**
   * Set when the claim was no longer eligible as its unconfirmed request was to be replayed: the
   * replay round that left it out (replays of round r and later do not carry it), and why.
   */
  leftOut: { round: number; reason: string } | null;
}

/** A ticket as the sync last read it (the `candidates` row), or as its source answers now. */
export interface SyncedTicket {
  source: TicketSource;
  status: string | null;
  solvedAt: number | null;
  tags: string[];
  role: string | null;
  email: string | null;
  name: string | null;
  externalId: string | null;
  requesterId: number | null;
  groupName: string | null;
  /** The channel the customer wrote in (PostHog Support's `channel_source`); null for Zendesk. */
  channel: string | null;
}

interface ClaimRow {
  ticket_id: number;
  status: SendStatus;
  send_key: string | null;
  send_started_at: number | null;
  to_address: string | null;
  email_json: string | null;
  to_name: string | null;
  team: string | null;
  distinct_id: string | null;
  link_exp: number | null;
  candidate_status: string | null;
  requester_email: string | null;
  requester_name: string | null;
  requester_external_id: string | null;
  requester_id: number | null;
  group_name: string | null;
  solved_at: number | null;
  tags: string | null;
  requester_role: string | null;
  source: TicketSource | null;
  channel: string | null;
  suppressed: number;
  left_out_round: number | null;
  left_out_reason: string | null;
}

function toClaim(r: ClaimRow): SendClaim {
  return {
    ticketId: r.ticket_id,
    status: r.status,
    sendKey: r.send_key,
    sendStartedAt: r.send_started_at,
    email: r.email_json ? (JSON.parse(r.email_json) as OutgoingEmail) : null,
    snapshot:
      r.to_address !== null && r.distinct_id !== null && r.link_exp !== null
        ? { to: r.to_address, name: r.to_name, team: r.team, distinctId: r.distinct_id, linkExp: r.link_exp }
        : null,
    ticket: {
      source: r.source ?? "zendesk",
      status: r.candidate_status,
      solvedAt: r.solved_at,
      tags: r.tags ? (JSON.parse(r.tags) as string[]) : [],
      role: r.requester_role,
      email: r.requester_email,
      name: r.requester_name,
      externalId: r.requester_external_id,
      requesterId: r.requester_id,
      groupName: r.group_name,
      channel: r.channel,
    },
    suppressed: r.suppressed === 1,
    leftOut:
      r.left_out_round !== null ? { round: r.left_out_round, reason: r.left_out_reason ?? "no longer eligible" } : null,
  };
}

const CLAIM_COLUMNS = `s.ticket_id, s.status, s.send_key, s.send_started_at, s.email_json, s.to_address, s.to_name, s.team, s.distinct_id,
  s.link_exp, s.left_out_round, s.left_out_reason, c.status AS candidate_status, c.solved_at, c.tags,
  c.requester_role, c.requester_email, c.requester_name, c.requester_external_id, c.requester_id, c.group_name,
  c.source, c.channel,
  (EXISTS (SELECT 1 FROM suppressions x WHERE x.address_fingerprint IN (s.address_fingerprint, c.address_fingerprint))
    OR EXISTS (SELECT 1 FROM legacy_suppressions l WHERE l.email_hash IN (s.legacy_email_hash, c.legacy_email_hash))) AS suppressed`;

export async function loadClaims(
  db: D1Database,
  ticketIds: number[],
  table: SendTable = "survey_sends",
): Promise<Map<number, SendClaim>> {
  if (ticketIds.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT ${CLAIM_COLUMNS}
       FROM ${table} s LEFT JOIN candidates c ON c.ticket_id = s.ticket_id
       WHERE s.ticket_id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ticketIds))
    .all<ClaimRow>();
  return new Map(results.map((r) => [r.ticket_id, toClaim(r)]));
}

/** Every ticket of one provider request whose outcome is unknown, in ticket order (the request's order). */
export async function loadClaimsByKey(
  db: D1Database,
  sendKey: string,
  table: SendTable = "survey_sends",
): Promise<SendClaim[]> {
  const { results } = await db
    .prepare(
      `SELECT ${CLAIM_COLUMNS}
       FROM ${table} s LEFT JOIN candidates c ON c.ticket_id = s.ticket_id
       WHERE s.send_key = ?1 AND s.status = 'sending' ORDER BY s.ticket_id`,
    )
    .bind(sendKey)
    .all<ClaimRow>();
  return results.map(toClaim);
}

// The UPDATEs below must look rows up by primary key, one per ticket in the JSON. In
// `UPDATE … FROM json_each`, the unary `+` on `status` keeps SQLite from scanning the status index
// (every claimed row) with the JSON as the inner loop: a batch would read thousands of rows.

/**
 * Marks claims `sending` under a new request key, with what their emails are built from and the
 * emails themselves. From here until settled, the outcome is unknown: only the very same request may
 * be sent again. A claim is moved only if it is still `claimed` and its address was not suppressed
 * (unsubscribed or erased) since it was loaded; the tickets moved are returned, and only they are sent.
 */
// A reminder is never sent once its ticket is answered, however late the answer came.
const UNANSWERED = `AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.ticket_id = survey_reminders.ticket_id)`;

export async function startSending(
  db: D1Database,
  emails: Array<{ ticketId: number; snapshot: EmailSnapshot; email: OutgoingEmail; addressFingerprint: string | null }>,
  attempt: { sendKey: string; provider: string },
  now: number,
  table: SendTable = "survey_sends",
): Promise<Set<number>> {
  if (emails.length === 0) return new Set();
  // One statement per chunk of rows, not one per email: a consumer invocation sends up to ten requests
  // of a hundred emails, and Cloudflare counts each statement against its 1,000 queries an invocation.
  // Fields: t ticket, a address, f its fingerprint, n name, g team (group), d distinct id, x link expiry, j the email as JSON.
  const rows = emails.map((e) => ({
    t: e.ticketId,
    f: e.addressFingerprint,
    a: e.snapshot.to,
    n: e.snapshot.name,
    g: e.snapshot.team,
    d: e.snapshot.distinctId,
    x: e.snapshot.linkExp,
    j: JSON.stringify(e.email),
  }));
  const statement = db.prepare(
    `UPDATE ${table} SET status = 'sending', send_key = ?2, provider = ?3, send_started_at = ?4, enqueued_at = ?4,
       attempts = attempts + 1, retry_at = NULL, to_address = j.value ->> 'a', to_name = j.value ->> 'n',
       team = j.value ->> 'g', distinct_id = j.value ->> 'd', link_exp = j.value ->> 'x', email_json = j.value ->> 'j',
       address_fingerprint = COALESCE(j.value ->> 'f', address_fingerprint), left_out_round = NULL, left_out_reason = NULL
     FROM json_each(?1) AS j
     WHERE ${table}.ticket_id = j.value ->> 't' AND +${table}.status = 'claimed'
       AND NOT EXISTS (SELECT 1 FROM suppressions x
         WHERE x.address_fingerprint IN (${table}.address_fingerprint, j.value ->> 'f'))
       AND NOT EXISTS (SELECT 1 FROM legacy_suppressions l WHERE l.email_hash = ${table}.legacy_email_hash)
       ${table === "survey_reminders" ? UNANSWERED : ""}
     RETURNING ticket_id`,
  );
  const results = await db.batch<{ ticket_id: number }>(
    jsonChunks(rows).map((json) => statement.bind(json, attempt.sendKey, attempt.provider, now)),
  );
  return new Set(results.flatMap((r) => r.results.map((row) => row.ticket_id)));
}

/** How a provider request came out for each of its tickets. */
export interface Settlement {
  sent: Array<{ ticketId: number; messageId: string }>;
  failed: Array<{ ticketId: number; reason: string }>;
  /** Definitely not sent: back to `claimed`, rebuilt under a new key after `retryAt`. */
  notSent: Array<{ ticketId: number; error: string; retryAt: number }>;
  /** Outcome unknown: stays `sending` with its key and snapshot, replayed as is after `retryAt`. */
  unknown: Array<{ ticketId: number; error: string; retryAt: number }>;
}

/**
 * Records a request's outcomes in one batch. A sent or failed email keeps its snapshot (what it was
 * sent to, as the candidate row also keeps it; erasure clears both); one sent back to `claimed` loses
 * it, since it will be rebuilt from the ticket as it is then. `skipped`: tickets of a replay that were
 * left out of it and that its answer shows were not sent, recorded with their reason in the same batch.
 */
export async function settleSends(
  db: D1Database,
  s: Settlement,
  now: number,
  skipped: Array<{ ticketId: number; reason: string }> = [],
  table: SendTable = "survey_sends",
): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  if (skipped.length > 0) statements.push(finalStatement(db, skipped, "skipped", now, table));
  const clearSnapshot = `to_address = NULL, to_name = NULL, team = NULL, distinct_id = NULL, email_json = NULL`;
  if (s.sent.length > 0)
    statements.push(
      db
        .prepare(
          `UPDATE ${table} SET status = 'sent', sent_at = ?2, last_error = NULL, retry_at = NULL,
             provider_message_id = j.value ->> 'm'
           FROM json_each(?1) AS j
           WHERE ${table}.ticket_id = j.value ->> 't' AND +${table}.status IN ('claimed', 'sending')`,
        )
        .bind(JSON.stringify(s.sent.map((x) => ({ t: x.ticketId, m: x.messageId }))), now),
    );
  if (s.failed.length > 0) statements.push(finalStatement(db, s.failed, "failed", now, table));
  if (s.notSent.length > 0)
    statements.push(
      db
        .prepare(
          `UPDATE ${table} SET status = 'claimed', send_key = NULL, send_started_at = NULL,
             last_error = j.value ->> 'e', retry_at = j.value ->> 'r', ${clearSnapshot}
           FROM json_each(?1) AS j
           WHERE ${table}.ticket_id = j.value ->> 't' AND +${table}.status IN ('claimed', 'sending')`,
        )
        .bind(JSON.stringify(s.notSent.map((x) => ({ t: x.ticketId, e: x.error.slice(0, 500), r: x.retryAt })))),
    );
  if (s.unknown.length > 0)
    statements.push(
      db
        .prepare(
          `UPDATE ${table} SET last_error = j.value ->> 'e', retry_at = j.value ->> 'r'
           FROM json_each(?1) AS j
           WHERE ${table}.ticket_id = j.value ->> 't' AND +${table}.status = 'sending'`,
        )
        .bind(JSON.stringify(s.unknown.map((x) => ({ t: x.ticketId, e: x.error.slice(0, 500), r: x.retryAt })))),
    );
  if (statements.length > 0) await db.batch(statements);
}

function finalStatement(
  db: D1Database,
  rows: Array<{ ticketId: number; reason: string }>,
  status: "failed" | "skipped",
  now: number,
  table: SendTable,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE ${table} SET status = ?2, decided_at = ?3, reason = j.value ->> 'r', retry_at = NULL
       FROM json_each(?1) AS j
       WHERE ${table}.ticket_id = j.value ->> 't' AND +${table}.status IN ('claimed', 'sending')`,
    )
    .bind(JSON.stringify(rows.map((r) => ({ t: r.ticketId, r: r.reason.slice(0, 500) }))), status, now);
}

/**
 * Leaves tickets out of their unconfirmed request's replays from round `round` on, with the reason; a
 * ticket already left out keeps its first round (the bodies sent before stay as they were).
 */
export async function leaveOut(
  db: D1Database,
  rows: Array<{ ticketId: number; reason: string }>,
  round: number,
  table: SendTable = "survey_sends",
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .prepare(
      `UPDATE ${table} SET left_out_round = ?2, left_out_reason = j.value ->> 'r'
       FROM json_each(?1) AS j
       WHERE ${table}.ticket_id = j.value ->> 't' AND +${table}.status = 'sending'
         AND ${table}.left_out_round IS NULL`,
    )
    .bind(JSON.stringify(rows.map((r) => ({ t: r.ticketId, r: r.reason.slice(0, 500) }))), round)
    .run();
}

/** Counts a replay as an attempt of each of its tickets. */
export async function countReplay(db: D1Database, sendKey: string, table: SendTable = "survey_sends"): Promise<void> {
  await db
    .prepare(`UPDATE ${table} SET attempts = attempts + 1 WHERE send_key = ?1 AND status = 'sending'`)
    .bind(sendKey)
    .run();
}

/** Ends claims that will not be sent: `failed` (meant to be sent) or `skipped` (re-checked, not eligible). */
export async function endClaims(
  db: D1Database,
  verdicts: {
    skipped: Array<{ ticketId: number; reason: string }>;
    failed: Array<{ ticketId: number; reason: string }>;
  },
  now: number,
  table: SendTable = "survey_sends",
): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  if (verdicts.skipped.length > 0) statements.push(finalStatement(db, verdicts.skipped, "skipped", now, table));
  if (verdicts.failed.length > 0) statements.push(finalStatement(db, verdicts.failed, "failed", now, table));
  if (statements.length > 0) await db.batch(statements);
}

/** Why a claim of an erased person's was not sent. */
export const ERASED = "unsubscribed (the address was erased)";

/**
 * Erasure: what the person's surveys were built from, and whom they went to (the fingerprint, any older
 * bare hash), on their tickets and on any send to one of their addresses. A claim not yet sent ends
 * here, skipped with the reason (the rows that would tell the consumer why are cleared); a send whose
 * outcome is still unknown then fails instead of being replayed to them.
 */
export function eraseSnapshots(
  db: D1Database,
  ticketIdsJson: string,
  addresses: { fingerprints: string[]; legacyHashes: string[] },
  table: SendTable = "survey_sends",
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE ${table} SET to_address = NULL, to_name = NULL, distinct_id = NULL, email_json = NULL,
         address_fingerprint = NULL, legacy_email_hash = NULL,
         reason = IIF(status = 'claimed', ?4, reason), status = IIF(status = 'claimed', 'skipped', status)
       WHERE ticket_id IN (SELECT value FROM json_each(?1))
          OR address_fingerprint IN (SELECT value FROM json_each(?2))
          OR legacy_email_hash IN (SELECT value FROM json_each(?3))`,
    )
    .bind(ticketIdsJson, JSON.stringify(addresses.fingerprints), JSON.stringify(addresses.legacyHashes), ERASED);
}
