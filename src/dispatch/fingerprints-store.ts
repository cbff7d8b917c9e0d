// The bare SHA-256 hashes that rows carried before addresses were keyed (migration 0016): where they
// are still found, and the statements that replace them with keyed fingerprints.
import type { AddressKeys } from "../lib/email-address";
import { jsonChunks } from "../lib/json-chunks";

/**
 * Replaces every bare hash of these addresses, in every table, by the address's fingerprint: a
 * suppression keeps when and how it was made, a send and a ticket carry the fingerprint instead (an
 * erased ticket, which has no address any more, only loses the hash). Whoever computes a fingerprint
 * of an address adds these to the batch that writes it, so no address is ever known by both at once.
 * Fields: h the bare hash, f the fingerprint.
 */
export function replaceLegacyHashes(db: D1Database, addresses: AddressKeys[]): D1PreparedStatement[] {
  const byHash = new Map(addresses.map((a) => [a.legacyHash, { h: a.legacyHash, f: a.fingerprint }]));
  return jsonChunks([...byHash.values()]).flatMap((json) => [
    db
      .prepare(
        `INSERT INTO suppressions (address_fingerprint, created_at, source)
         SELECT j.value ->> 'f', l.created_at, l.source FROM json_each(?1) AS j
           JOIN legacy_suppressions l ON l.email_hash = j.value ->> 'h'
         WHERE true ON CONFLICT DO NOTHING`,
      )
      .bind(json),
    db
      .prepare(`DELETE FROM legacy_suppressions WHERE email_hash IN (SELECT value ->> 'h' FROM json_each(?1))`)
      .bind(json),
    db
      .prepare(
        `UPDATE survey_sends SET legacy_email_hash = NULL,
           address_fingerprint = COALESCE(survey_sends.address_fingerprint, j.value ->> 'f')
         FROM json_each(?1) AS j WHERE survey_sends.legacy_email_hash = j.value ->> 'h'`,
      )
      .bind(json),
    db
      .prepare(
        `UPDATE candidates SET legacy_email_hash = NULL,
           address_fingerprint = IIF(candidates.requester_email IS NULL, NULL,
             COALESCE(candidates.address_fingerprint, j.value ->> 'f'))
         FROM json_each(?1) AS j WHERE candidates.legacy_email_hash = j.value ->> 'h'`,
      )
      .bind(json),
  ]);
}

/** A row that still carries a bare hash beside the address it was made from. */
export interface LegacyRow {
  table: "candidates" | "survey_sends";
  ticketId: number;
  address: string;
  legacyHash: string;
}

/** Up to `limit` rows whose bare hash can be replaced: their address is still there to key. */
export async function legacyRowsWithAddress(db: D1Database, limit: number): Promise<LegacyRow[]> {
  const { results } = await db
    .prepare(
      `SELECT 'candidates' AS t, ticket_id, requester_email AS address, legacy_email_hash AS h FROM candidates
         WHERE legacy_email_hash IS NOT NULL AND requester_email IS NOT NULL
       UNION ALL
       SELECT 'survey_sends', ticket_id, to_address, legacy_email_hash FROM survey_sends
         WHERE legacy_email_hash IS NOT NULL AND to_address IS NOT NULL
       LIMIT ?1`,
    )
    .bind(limit)
    .all<{ t: LegacyRow["table"]; ticket_id: number; address: string; h: string }>();
  return results.map((r) => ({ table: r.t, ticketId: r.ticket_id, address: r.address, legacyHash: r.h }));
}

/** Whether any bare hash still sits beside a known address (new surveys wait until none does). */
export async function legacyRowsRemain(db: D1Database): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM candidates WHERE legacy_email_hash IS NOT NULL AND requester_email IS NOT NULL)
         OR EXISTS (SELECT 1 FROM survey_sends WHERE legacy_email_hash IS NOT NULL AND to_address IS NOT NULL) AS remain`,
    )
    .first<{ remain: number }>();
  return row?.remain === 1;
}

/**
 * Drops the bare hashes of these rows: each does not match the row's own address (the row changed
 * after it was written), so it names nothing this row can be keyed by.
 */
export async function dropMismatchedHashes(db: D1Database, rows: LegacyRow[]): Promise<number> {
  const statements = (["candidates", "survey_sends"] as const).flatMap((table) => {
    const ids = rows.filter((r) => r.table === table).map((r) => r.ticketId);
    return ids.length === 0
      ? []
      : [
          db
            .prepare(
              `UPDATE ${table} SET legacy_email_hash = NULL WHERE ticket_id IN (SELECT value FROM json_each(?1))`,
            )
            .bind(JSON.stringify(ids)),
        ];
  });
  return changes(db, statements);
}

/**
 * Drops up to `limit` bare hashes of rows whose address is gone: an erased ticket, or a send whose
 * snapshot was cleared and whose address no ticket carries any more. A suppression is never among
 * them: legacy_suppressions keeps its hashes until their addresses are seen again.
 */
export async function dropAddresslessHashes(db: D1Database, limit: number): Promise<number> {
  return changes(db, [
    db
      .prepare(
        `UPDATE candidates SET legacy_email_hash = NULL WHERE ticket_id IN (SELECT ticket_id FROM candidates
           WHERE legacy_email_hash IS NOT NULL AND requester_email IS NULL LIMIT ?1)`,
      )
      .bind(limit),
    db
      .prepare(
        `UPDATE survey_sends SET legacy_email_hash = NULL WHERE ticket_id IN (SELECT ticket_id FROM survey_sends
           WHERE legacy_email_hash IS NOT NULL AND to_address IS NULL LIMIT ?1)`,
      )
      .bind(limit),
  ]);
}

async function changes(db: D1Database, statements: D1PreparedStatement[]): Promise<number> {
  if (statements.length === 0) return 0;
  const results = await db.batch(statements);
  return results.reduce((n, r) => n + r.meta.changes, 0);
}

/** How many suppressions are still known only by a bare hash (their addresses not seen since). */
export async function countLegacySuppressions(db: D1Database): Promise<number> {
  const row = await db.prepare(`SELECT COUNT(*) AS n FROM legacy_suppressions`).first<{ n: number }>();
  return row?.n ?? 0;
}
