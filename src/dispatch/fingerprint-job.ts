import { addressKeys } from "../lib/email-address";
import {
  countLegacySuppressions,
  dropAddresslessHashes,
  dropMismatchedHashes,
  legacyRowsWithAddress,
  replaceLegacyHashes,
} from "./fingerprints-store";

/** Rows read and keyed at a time, and batches a run: 1 read and about 6 statements a batch. */
const ROWS_PER_BATCH = 500;
const MAX_BATCHES = 20;

export interface FingerprintReport {
  /** Rows this run changed to replace bare hashes by fingerprints (a run that overlaps another changes none twice). */
  rowsChanged: number;
  /** Bare hashes dropped: no address is left to key them by. */
  dropped: number;
  /** Suppressions still known only by a bare hash (checked beside the keyed list until seen again). */
  legacySuppressions: number;
  /** No bare hash is left outside legacy_suppressions. */
  done: boolean;
}

/**
 * Replaces the bare hashes that rows carried before addresses were keyed, in bounded batches a run:
 * first every row whose address is still known (that address's rows everywhere are keyed at once),
 * then the hashes of rows with no address left are dropped. Every statement is conditional on the
 * hash it replaces, so a run that overlaps another, or repeats one, changes nothing twice.
 */
export async function keyLegacyHashes(db: D1Database, key: string, deadline: number): Promise<FingerprintReport> {
  const report: FingerprintReport = { rowsChanged: 0, dropped: 0, legacySuppressions: 0, done: false };
  for (let batch = 0; batch < MAX_BATCHES && Date.now() < deadline; batch++) {
    const rows = await legacyRowsWithAddress(db, ROWS_PER_BATCH);
    if (rows.length === 0) {
      const dropped = await dropAddresslessHashes(db, ROWS_PER_BATCH);
      report.dropped += dropped;
      report.done = dropped === 0;
      if (report.done) break;
      continue;
    }
    const keyed = await Promise.all(rows.map(async (row) => ({ row, keys: await addressKeys(key, row.address) })));
    const matching = keyed.filter((k) => k.keys.legacyHash === k.row.legacyHash);
    const statements = replaceLegacyHashes(
      db,
      matching.map((k) => k.keys),
    );
    if (statements.length > 0)
      report.rowsChanged += (await db.batch(statements)).reduce((n, r) => n + r.meta.changes, 0);
    // A hash that is not its own row's address's (the row changed later) names nothing to key it by.
    report.dropped += await dropMismatchedHashes(
      db,
      keyed.filter((k) => k.keys.legacyHash !== k.row.legacyHash).map((k) => k.row),
    );
  }
  report.legacySuppressions = await countLegacySuppressions(db);
  return report;
}
