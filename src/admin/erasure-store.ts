// Erasure's reads and writes: finding and counting a person's data reads the tables of the survey,
// dispatch and the outbox (the admin area sees every capability's tables); erasing asks each
// capability's store for its own statement, all in one batch.
import { eraseRequesters } from "../dispatch/candidates-store";
import { eraseSnapshots } from "../dispatch/sends-store";
import { suppressAll, type Suppressed } from "../dispatch/suppressions-store";
import { addressKeys, normalizeEmail, type AddressKeys } from "../lib/email-address";
import { zendeskUserOf } from "../lib/requester-ids";
import { eraseImpressions } from "../survey/impressions-store";
import { eraseAnswers } from "../survey/responses-store";
import { eraseLookups } from "../survey/ticket-facts-store";
import { eraseDigestComments } from "../hedgehogs/digest-store";
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

/** What identifies a person's data: their tickets, distinct ids, addresses and how each is stored. */
interface Found {
  ticketIds: string;
  did: string | null;
  distinctIds: string[];
  addresses: string[];
  /** What keeps them from being surveyed again: every address of theirs, keyed where it is known. */
  suppressed: Suppressed[];
  /** Every fingerprint and older bare hash their tickets and sends carry, to clear. */
  stored: { fingerprints: string[]; legacyHashes: string[] };
}

interface TicketRow {
  ticket_id: number;
  ce: string | null;
  cf: string | null;
  ch: string | null;
  se: string | null;
  sf: string | null;
  sh: string | null;
}

/** Their tickets, with each ticket's and its send's address as stored, before the fields that find them are cleared. */
async function findTickets(db: D1Database, given: AddressKeys | null, did: string | null): Promise<TicketRow[]> {
  const { results } = await db
    .prepare(
      // At most five terms: D1's SQLite refuses a longer compound SELECT.
      `WITH found (ticket_id) AS (
         SELECT ticket_id FROM candidates WHERE address_fingerprint = ?1 OR legacy_email_hash = ?2
         UNION SELECT ticket_id FROM candidates WHERE ?3 IS NOT NULL AND requester_external_id = ?3
         UNION SELECT ticket_id FROM candidates WHERE ?4 IS NOT NULL AND requester_id = ?4
         UNION SELECT ticket_id FROM responses WHERE ?3 IS NOT NULL AND distinct_id = ?3
         UNION SELECT ticket_id FROM survey_impressions WHERE ?3 IS NOT NULL AND distinct_id = ?3)
       SELECT f.ticket_id, c.requester_email AS ce, c.address_fingerprint AS cf, c.legacy_email_hash AS ch,
         s.to_address AS se, s.address_fingerprint AS sf, s.legacy_email_hash AS sh
       FROM found f LEFT JOIN candidates c ON c.ticket_id = f.ticket_id LEFT JOIN survey_sends s ON s.ticket_id = f.ticket_id`,
    )
    // A distinct id of the form zendesk-user-<id> (a requester without an external id) names the Zendesk user.
    .bind(given?.fingerprint ?? null, given?.legacyHash ?? null, did, zendeskUserOf(did))
    .all<TicketRow>();
  return results;
}

const present = <T>(values: Array<T | null | undefined>): T[] => [
  ...new Set(values.filter((x): x is T => x !== null && x !== undefined)),
];

async function findPerson(db: D1Database, who: Person, key: string): Promise<Found> {
  const given = who.email ? await addressKeys(key, who.email) : null;
  const did = who.distinctId ?? null;
  const tickets = await findTickets(db, given, did);
  const ticketIds = JSON.stringify(tickets.map((t) => t.ticket_id));
  const { results: ids } = await db
    .prepare(
      `SELECT distinct_id FROM responses WHERE ticket_id IN (SELECT value FROM json_each(?1)) AND distinct_id IS NOT NULL
       UNION SELECT distinct_id FROM survey_impressions
         WHERE ticket_id IN (SELECT value FROM json_each(?1)) AND distinct_id IS NOT NULL`,
    )
    .bind(ticketIds)
    .all<{ distinct_id: string }>();
  const addresses = present([who.email, ...tickets.flatMap((t) => [t.ce, t.se])].map((a) => a && normalizeEmail(a)));
  const known = await Promise.all(addresses.map((a) => addressKeys(key, a)));
  const fingerprints = present(tickets.flatMap((t) => [t.cf, t.sf]));
  const legacyHashes = present(tickets.flatMap((t) => [t.ch, t.sh]));
  const knownFingerprints = new Set(known.map((k) => k.fingerprint));
  const knownHashes = new Set(known.map((k) => k.legacyHash));
  return {
    ticketIds,
    did,
    distinctIds: present([did, ...ids.map((r) => r.distinct_id)]),
    addresses,
    // A bare hash whose address is known nowhere stays suppressed as it is (see docs/operations.md).
    suppressed: [
      ...known,
      ...fingerprints.filter((f) => !knownFingerprints.has(f)).map((fingerprint) => ({ fingerprint })),
      ...legacyHashes.filter((h) => !knownHashes.has(h)).map((legacyHash) => ({ legacyHash })),
    ],
    stored: {
      fingerprints: present([...fingerprints, ...knownFingerprints]),
      legacyHashes: present([...legacyHashes, ...knownHashes]),
    },
  };
}

export type ErasureCounts = Omit<ErasureResult, "distinctIds">;

/** What erasePerson would change, counted without changing anything (the confirmation page). */
export async function previewErasure(db: D1Database, who: Person, key: string): Promise<ErasureCounts> {
  const found = await findPerson(db, who, key);
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
    suppressedAddresses: found.suppressed.length,
  };
}

/**
 * Erases a person's personal fields, found by email address or distinct id: the comment and distinct
 * id of their answers, the distinct id of their survey views (so a `survey shown` not delivered yet
 * never is), the requester fields of their tickets, what their surveys were sent to, and emails kept
 * in the outbox, and their comments in stored weekly digests. Ratings, counts and the hedgehog tally
 * stay (they are anonymous), and every address of
 * theirs is suppressed, by its keyed fingerprint only, so no survey reaches them again. One D1 batch:
 * all of it or none.
 */
export async function erasePerson(db: D1Database, who: Person, now: number, key: string): Promise<ErasureResult> {
  const { ticketIds, did, distinctIds, suppressed, stored, addresses } = await findPerson(db, who, key);

  // Each capability erases its own rows; one D1 batch makes it all or nothing. The suppressions come
  // last: they key any older suppression of the person's addresses, whose rows are cleared by then.
  const [responses, candidates, , outbox] = await db.batch([
    eraseAnswers(db, { ticketIdsJson: ticketIds, distinctId: did }),
    eraseRequesters(db, ticketIds),
    eraseSnapshots(db, ticketIds, stored),
    eraseOutbox(db, addresses),
    eraseLookups(db, ticketIds),
    eraseImpressions(db, { ticketIdsJson: ticketIds, distinctId: did }),
    eraseSnapshots(db, ticketIds, stored, "survey_reminders"),
    eraseDigestComments(db, ticketIds),
    ...suppressAll(db, suppressed, "erasure", now),
  ]);
  return {
    distinctIds,
    responses: responses!.meta.changes,
    candidates: candidates!.meta.changes,
    outboxMessages: outbox!.meta.changes,
    suppressedAddresses: suppressed.length,
  };
}
