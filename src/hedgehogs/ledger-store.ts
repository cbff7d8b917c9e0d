import type { DonationEntry } from "./ledger";

interface DonationRow {
  id: number;
  paid_on: string;
  amount_minor: number;
  currency: string;
  from_month: string;
  to_month: string;
  reference: string | null;
  corrects_id: number | null;
  created_at: number;
}

const toEntry = (r: DonationRow): DonationEntry => ({
  id: r.id,
  paidOn: r.paid_on,
  amountMinor: r.amount_minor,
  currency: r.currency,
  fromMonth: r.from_month,
  toMonth: r.to_month,
  reference: r.reference,
  correctsId: r.corrects_id,
  createdAt: r.created_at,
});

export const LEDGER_SQL = {
  entries: `SELECT * FROM donations ORDER BY id`,
  tally: `SELECT month, hedgehogs FROM hedgehog_tally ORDER BY month`,
} as const;

export function toEntries(rows: unknown[]): DonationEntry[] {
  return (rows as DonationRow[]).map(toEntry);
}

/** Every ledger entry and the whole tally (one row per month), in one batch. */
export async function readLedgerInputs(db: D1Database) {
  const [entries, tally] = await db.batch([db.prepare(LEDGER_SQL.entries), db.prepare(LEDGER_SQL.tally)]);
  return {
    entries: toEntries(entries!.results),
    tally: tally!.results as Array<{ month: string; hedgehogs: number }>,
  };
}

/** An entry to append, with the id of the form that posted it. */
export type NewDonation = Omit<DonationEntry, "id" | "createdAt"> & { formId: string };

export type RecordOutcome =
  | { kind: "recorded"; id: number }
  | { kind: "repeated"; id: number }
  | { kind: "no-such-entry" }
  | { kind: "already-corrected"; by: number };

/**
 * Appends an entry. One statement decides: a form posted again records nothing (its form id is
 * taken), and a correction must name an entry that exists and was not corrected already.
 */
export async function recordDonation(db: D1Database, d: NewDonation, now: number): Promise<RecordOutcome> {
  const inserted = await db
    .prepare(
      `INSERT INTO donations (paid_on, amount_minor, currency, from_month, to_month, reference, corrects_id, form_id, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
       WHERE (?7 IS NULL OR EXISTS (SELECT 1 FROM donations WHERE id = ?7))
       ON CONFLICT DO NOTHING
       RETURNING id`,
    )
    .bind(d.paidOn, d.amountMinor, d.currency, d.fromMonth, d.toMonth, d.reference, d.correctsId, d.formId, now)
    .first<{ id: number }>();
  if (inserted) return { kind: "recorded", id: inserted.id };
  const [byForm, byCorrection] = await db.batch([
    db.prepare(`SELECT id FROM donations WHERE form_id = ?1`).bind(d.formId),
    db.prepare(`SELECT id FROM donations WHERE corrects_id = ?1`).bind(d.correctsId),
  ]);
  const repeated = byForm!.results[0] as { id: number } | undefined;
  if (repeated) return { kind: "repeated", id: repeated.id };
  const corrected = byCorrection!.results[0] as { id: number } | undefined;
  if (corrected) return { kind: "already-corrected", by: corrected.id };
  return { kind: "no-such-entry" };
}

/** Hedgehogs fed per month, oldest first (the tally has one row per month). */
export async function monthlyTally(db: D1Database): Promise<Array<{ month: string; hedgehogs: number }>> {
  const { results } = await db.prepare(LEDGER_SQL.tally).all<{ month: string; hedgehogs: number }>();
  return results;
}
