import type { AddressKeys } from "../lib/email-address";
import { replaceLegacyHashes } from "./fingerprints-store";

/**
 * What a suppression names: an address we know (its fingerprint, and the bare hash its older rows may
 * carry), a fingerprint alone, or a bare hash alone when the address it was made from is known nowhere
 * any more (it goes to legacy_suppressions, and is keyed when that address is seen again).
 */
export type Suppressed = { fingerprint: string; legacyHash?: string } | { fingerprint?: undefined; legacyHash: string };

function suppressStatements(db: D1Database, who: Suppressed, source: string, now: number): D1PreparedStatement[] {
  if (who.fingerprint === undefined)
    return [
      db
        .prepare(
          `INSERT INTO legacy_suppressions (email_hash, created_at, source) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING`,
        )
        .bind(who.legacyHash, now, source),
    ];
  const keyed = who.legacyHash === undefined ? [] : [{ fingerprint: who.fingerprint, legacyHash: who.legacyHash }];
  return [
    ...replaceLegacyHashes(db, keyed),
    db
      .prepare(
        `INSERT INTO suppressions (address_fingerprint, created_at, source) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING`,
      )
      .bind(who.fingerprint, now, source),
  ];
}

/** Adds an address to the suppression list; true if it was not there yet (keyed or by its older hash). */
export async function suppress(db: D1Database, who: Suppressed, source: string, now: number): Promise<boolean> {
  const results = await db.batch(suppressStatements(db, who, source, now));
  // An older suppression of the address is keyed first, so the insert then finds it there.
  return results.at(-1)!.meta.changes === 1;
}

/** What a ticket's survey went to, as its send and its ticket record it (for its unsubscribe link). */
export interface SurveyedAddress {
  sent: { fingerprint: string | null; legacyHash: string | null; to: string | null };
  ticket: { fingerprint: string | null; legacyHash: string | null; email: string | null };
}

export async function surveyedAddress(db: D1Database, ticketId: number): Promise<SurveyedAddress | null> {
  const row = await db
    .prepare(
      `SELECT s.address_fingerprint AS sf, s.legacy_email_hash AS sh, s.to_address,
         c.address_fingerprint AS cf, c.legacy_email_hash AS ch, c.requester_email
       FROM survey_sends s LEFT JOIN candidates c ON c.ticket_id = s.ticket_id WHERE s.ticket_id = ?1`,
    )
    .bind(ticketId)
    .first<{
      sf: string | null;
      sh: string | null;
      to_address: string | null;
      cf: string | null;
      ch: string | null;
      requester_email: string | null;
    }>();
  if (!row) return null;
  return {
    sent: { fingerprint: row.sf, legacyHash: row.sh, to: row.to_address },
    ticket: { fingerprint: row.cf, legacyHash: row.ch, email: row.requester_email },
  };
}

/** Erasure: every address of the person, so no survey reaches them again (statements for its one batch). */
export function suppressAll(db: D1Database, who: Suppressed[], source: string, now: number): D1PreparedStatement[] {
  const known = who.flatMap((w) =>
    w.fingerprint !== undefined && w.legacyHash !== undefined
      ? [{ fingerprint: w.fingerprint, legacyHash: w.legacyHash }]
      : [],
  );
  const fingerprints = [...new Set(who.flatMap((w) => (w.fingerprint === undefined ? [] : [w.fingerprint])))];
  const hashesOnly = [...new Set(who.flatMap((w) => (w.fingerprint === undefined ? [w.legacyHash] : [])))];
  return [
    ...replaceLegacyHashes(db, known),
    db
      .prepare(
        `INSERT INTO suppressions (address_fingerprint, created_at, source) SELECT value, ?2, ?3 FROM json_each(?1)
         WHERE true ON CONFLICT DO NOTHING`,
      )
      .bind(JSON.stringify(fingerprints), now, source),
    db
      .prepare(
        `INSERT INTO legacy_suppressions (email_hash, created_at, source) SELECT value, ?2, ?3 FROM json_each(?1)
         WHERE true ON CONFLICT DO NOTHING`,
      )
      .bind(JSON.stringify(hashesOnly), now, source),
  ];
}

/** Which of these addresses (by fingerprint) are on the suppression list, keyed or by their older hash. */
export async function suppressedAmong(db: D1Database, addresses: AddressKeys[]): Promise<Set<string>> {
  if (addresses.length === 0) return new Set();
  const rows = [...new Map(addresses.map((a) => [a.fingerprint, { f: a.fingerprint, h: a.legacyHash }])).values()];
  const { results } = await db
    .prepare(
      `SELECT j.value ->> 'f' AS f FROM json_each(?1) AS j
       WHERE EXISTS (SELECT 1 FROM suppressions s WHERE s.address_fingerprint = j.value ->> 'f')
          OR EXISTS (SELECT 1 FROM legacy_suppressions l WHERE l.email_hash = j.value ->> 'h')`,
    )
    .bind(JSON.stringify(rows))
    .all<{ f: string }>();
  return new Set(results.map((r) => r.f));
}
