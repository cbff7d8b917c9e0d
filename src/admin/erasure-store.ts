// Erasure's reads and writes: finding and counting a person's data reads the tables of the survey,
// dispatch and the outbox (the admin area sees every capability's tables); erasing asks each
// capability's store for its own statement, all in one batch.
import { eraseRequesters } from "../dispatch/candidates-store";
import { eraseSnapshots } from "../dispatch/sends-store";
import { suppressAll } from "../dispatch/suppressions-store";
import { emailHash, normalizeEmail } from "../lib/email-address";
import { zendeskUserOf } from "../lib/requester-ids";
import { eraseImpressions } from "../survey/impressions-store";
import { eraseAnswers } from "../survey/responses-store";
import { eraseLookups } from "../survey/ticket-facts-store";
import { eraseOutbox } from "./outbox-store";

export interface ErasureResult {
  /** The PostHog distinct ids their answers were sent under (not part of the answer to the caller). */
  distinctIds: string[];
  responses: number;
  candidates: number;
  outboxMessages: number;
  suppressedAddresses: number;
}

export interface Person {
  email?: string | undefined;
  distinctId?: string | undefined;
}

/** What identifies a person's data: their tickets, distinct ids, address hashes and addresses. */
interface Found {
  ticketIds: string;
  did: string | null;
  distinctIds: string[];
  hashes: string[];
  addresses: string[];
}

async function findPerson(db: D1Database, who: Person): Promise<Found> {
  const hash = who.email ? await emailHash(who.email) : null;
  const did = who.distinctId ?? null;
  // Their tickets, and their addresses' hashes, before the fields that find them are cleared.
  const { results: tickets } = await db
    .prepare(
      `SELECT ticket_id, email_hash FROM candidates WHERE ?1 IS NOT NULL AND email_hash = ?1
       UNION SELECT ticket_id, email_hash FROM candidates WHERE ?2 IS NOT NULL AND requester_external_id = ?2
       UNION SELECT ticket_id, email_hash FROM candidates WHERE ?3 IS NOT NULL AND requester_id = ?3
       UNION SELECT r.ticket_id, c.email_hash FROM responses r LEFT JOIN candidates c ON c.ticket_id = r.ticket_id
         WHERE ?2 IS NOT NULL AND r.distinct_id = ?2
       UNION SELECT i.ticket_id, c.email_hash FROM survey_impressions i LEFT JOIN candidates c ON c.ticket_id = i.ticket_id
         WHERE ?2 IS NOT NULL AND i.distinct_id = ?2`,
    )
    // A distinct id of the form zendesk-user-<id> (a requester without an external id) names the Zendesk user.
    .bind(hash, did, zendeskUserOf(did))
    .all<{ ticket_id: number; email_hash: string | null }>();
  const ticketIds = JSON.stringify(tickets.map((t) => t.ticket_id));
  const { results: ids } = await db
    .prepare(
      `SELECT distinct_id FROM responses WHERE ticket_id IN (SELECT value FROM json_each(?1)) AND distinct_id IS NOT NULL
       UNION SELECT distinct_id FROM survey_impressions
         WHERE ticket_id IN (SELECT value FROM json_each(?1)) AND distinct_id IS NOT NULL`,
    )
    .bind(ticketIds)
    .all<{ distinct_id: string }>();
  const emailOf = await db
    .prepare(
      `SELECT DISTINCT requester_email FROM candidates WHERE ticket_id IN (SELECT value FROM json_each(?1)) AND requester_email IS NOT NULL`,
    )
    .bind(ticketIds)
    .all<{ requester_email: string }>();
  return {
    ticketIds,
    did,
    distinctIds: [...new Set([...(did ? [did] : []), ...ids.map((r) => r.distinct_id)])],
    hashes: [...new Set([hash, ...tickets.map((t) => t.email_hash)].filter((h): h is string => h !== null))],
    addresses: [
      ...new Set([
        ...(who.email ? [normalizeEmail(who.email)] : []),
        ...emailOf.results.map((r) => normalizeEmail(r.requester_email)),
      ]),
    ],
  };
}

export type ErasureCounts = Omit<ErasureResult, "distinctIds">;

/** What erasePerson would change, counted without changing anything (the confirmation page). */
export async function previewErasure(db: D1Database, who: Person): Promise<ErasureCounts> {
  const found = await findPerson(db, who);
  const [responses, candidates, outbox] = await db.batch<{ n: number }>([
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM responses
         WHERE (ticket_id IN (SELECT value FROM json_each(?1)) OR (?2 IS NOT NULL AND distinct_id = ?2))
           AND (comment IS NOT NULL OR distinct_id IS NOT NULL)`,
      )
      .bind(found.ticketIds, found.did),
    db
      .prepare(`SELECT COUNT(*) AS n FROM candidates WHERE ticket_id IN (SELECT value FROM json_each(?1))`)
      .bind(found.ticketIds),
    db
      .prepare(`SELECT COUNT(*) AS n FROM outbox WHERE lower(to_address) IN (SELECT value FROM json_each(?1))`)
      .bind(JSON.stringify(found.addresses)),
  ]);
  return {
    responses: responses!.results[0]!.n,
    candidates: candidates!.results[0]!.n,
    outboxMessages: outbox!.results[0]!.n,
    suppressedAddresses: found.hashes.length,
  };
}

/**
 * Erases a person's personal fields, found by email address or distinct id: the comment and distinct
 * id of their answers, the distinct id of their survey views (so a `survey shown` not delivered yet
 * never is), the requester fields of their tickets, and emails kept in the outbox. Ratings,
 * counts and the hedgehog tally stay (they are anonymous), and every address of theirs is suppressed
 * so no survey reaches them again. One D1 batch: all of it or none.
 */
export async function erasePerson(db: D1Database, who: Person, now: number): Promise<ErasureResult> {
  const { ticketIds, did, distinctIds, hashes, addresses } = await findPerson(db, who);

  // Each capability erases its own rows; one D1 batch makes it all or nothing.
  const [responses, candidates, , outbox] = await db.batch([
    eraseAnswers(db, { ticketIdsJson: ticketIds, distinctId: did }),
    eraseRequesters(db, ticketIds),
    eraseSnapshots(db, ticketIds),
    eraseOutbox(db, addresses),
    suppressAll(db, hashes, "erasure", now),
    eraseLookups(db, ticketIds),
    eraseImpressions(db, { ticketIdsJson: ticketIds, distinctId: did }),
  ]);
  return {
    distinctIds,
    responses: responses!.meta.changes,
    candidates: candidates!.meta.changes,
    outboxMessages: outbox!.meta.changes,
    suppressedAddresses: hashes.length,
  };
}
