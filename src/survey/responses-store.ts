import { leasePendingCaptures, type CaptureClaim } from "./capture-store";

/** The columns of a `responses` row that make a StoredAnswer (ANSWER_COLUMNS; stays in this file). */
interface AnswerRow {
  ticket_id: number;
  distinct_id: string | null;
  team: string;
  initial_target_area: string | null;
  rating: number;
  comment: string | null;
  /** A JSON array of reason ids, or null. */
  reasons: string | null;
  version: number;
  hedgehog_number: number | null;
  first_submitted_at: number;
  updated_at: number;
  capture_attempts: number;
}

/** A ticket's answer as it is stored. */
export interface StoredAnswer {
  ticketId: number;
  /** Null once the person was erased. */
  distinctId: string | null;
  team: string;
  initialTargetArea: string | null;
  rating: number;
  comment: string | null;
  /** The ids of the reasons chosen for a low rating ("What went wrong?"), in the list's order. */
  reasons: string[];
  /** 1 for the first answer, +1 for each edit. */
  version: number;
  hedgehogNumber: number | null;
  firstSubmittedAt: number;
  updatedAt: number;
  /** How many times PostHog has not accepted this version yet. */
  captureAttempts: number;
}

function toAnswer(r: AnswerRow): StoredAnswer {
  return {
    ticketId: r.ticket_id,
    distinctId: r.distinct_id,
    team: r.team,
    initialTargetArea: r.initial_target_area,
    rating: r.rating,
    comment: r.comment,
    reasons: r.reasons ? (JSON.parse(r.reasons) as string[]) : [],
    version: r.version,
    hedgehogNumber: r.hedgehog_number,
    firstSubmittedAt: r.first_submitted_at,
    updatedAt: r.updated_at,
    captureAttempts: r.capture_attempts,
  };
}

/** An answer as a customer gives it. */
export interface Answer {
  ticketId: number;
  distinctId: string;
  team: string;
  initialTargetArea: string | undefined;
  rating: number;
  comment: string | undefined;
  /** Reason ids, in the list's order (empty: none). */
  reasons: string[];
  /** How the link was verified: its signature, or the ticket in Zendesk (an unsigned link). */
  verifiedBy: "signature" | "zendesk" | "posthog-support";
}

/**
 * What storing an answer came to: `recorded` (a first answer or a real edit), `unchanged` (the same
 * answer again: a double click), or `conflict`: the ticket's answer changed since the form was shown
 * (another device, another tab), and the new one would replace what the customer never saw.
 */
export type RecordOutcome =
  | { kind: "recorded"; answer: StoredAnswer }
  | { kind: "unchanged"; answer: StoredAnswer }
  | { kind: "conflict"; answer: StoredAnswer };

/** The columns StoredAnswer is made of: statements return these, not every column of the row. */
const ANSWER_COLUMNS = (
  [
    "ticket_id",
    "distinct_id",
    "team",
    "initial_target_area",
    "rating",
    "comment",
    "reasons",
    "version",
    "hedgehog_number",
    "first_submitted_at",
    "updated_at",
    "capture_attempts",
  ] as const satisfies ReadonlyArray<keyof AnswerRow>
).join(", ");

/**
 * The survey POST's one statement (see recordResponse). Exported for bench/survey.ts, which runs it in
 * a bare Worker as the floor the POST is measured against.
 */
export const RECORD_ANSWER_SQL = `INSERT INTO responses (ticket_id, distinct_id, team, initial_target_area, rating, comment, first_submitted_at, updated_at,
     hedgehog_number, verified_by, reasons)
   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, (SELECT COALESCE(SUM(hedgehogs), 0) + 1 FROM hedgehog_tally), ?9, ?10)
   ON CONFLICT (ticket_id) DO UPDATE SET
     previous_rating = responses.rating, rating = excluded.rating, comment = excluded.comment, reasons = excluded.reasons, distinct_id = excluded.distinct_id,
     team = excluded.team, initial_target_area = excluded.initial_target_area, verified_by = excluded.verified_by,
     version = responses.version + 1, updated_at = excluded.updated_at,
     next_capture_at = 0, capture_attempts = 0
   WHERE responses.version = ?8
     AND (responses.rating IS NOT excluded.rating OR responses.comment IS NOT excluded.comment
          OR responses.reasons IS NOT excluded.reasons)
   RETURNING ${ANSWER_COLUMNS}`;

/** RECORD_ANSWER_SQL's parameters, in order. */
export function recordAnswerValues(answer: Answer, now: number, baseVersion: number): unknown[] {
  return [
    answer.ticketId,
    answer.distinctId,
    answer.team,
    answer.initialTargetArea ?? null,
    answer.rating,
    answer.comment ?? null,
    now,
    baseVersion,
    answer.verifiedBy,
    reasonsColumn(answer.reasons),
  ];
}

/** Reasons as the column keeps them: a JSON array, or NULL for none (so "none" compares equal however it came). */
function reasonsColumn(reasons: readonly string[]): string | null {
  return reasons.length > 0 ? JSON.stringify(reasons) : null;
}

/**
 * Stores an answer in one statement: upsert the ticket's row, but edit it only if it is still the
 * version the form showed (`baseVersion`, 0 for a form that showed none). Its first insert feeds a
 * hedgehog (the `feed_one_hedgehog_per_ticket` trigger adds it to the UTC month's tally) and takes
 * the running hedgehog count as its number. Re-submitting the same answer changes nothing, so a
 * double click sends nothing twice. What the answer owes (`followups`: its outbox rows, written only
 * if this statement stored the answer) goes in the same transaction and round trip, so neither can be
 * stored without the other.
 */
export async function recordResponse(
  db: D1Database,
  answer: Answer,
  now: number,
  write: { baseVersion: number; followups?: D1PreparedStatement | null },
): Promise<RecordOutcome> {
  const upsert = db.prepare(RECORD_ANSWER_SQL).bind(...recordAnswerValues(answer, now, write.baseVersion));
  let written: AnswerRow | null;
  if (write.followups) {
    const [stored] = await db.batch([upsert, write.followups]);
    written = (stored!.results[0] as AnswerRow | undefined) ?? null;
  } else {
    written = await upsert.first<AnswerRow>();
  }
  if (written) return { kind: "recorded", answer: toAnswer(written) };
  const stored = await findAnswer(db, answer.ticketId);
  if (!stored) throw new Error(`response for ticket ${answer.ticketId} vanished after upsert`);
  const same =
    stored.rating === answer.rating &&
    (stored.comment ?? null) === (answer.comment ?? null) &&
    reasonsColumn(stored.reasons) === reasonsColumn(answer.reasons);
  return { kind: same ? "unchanged" : "conflict", answer: stored };
}

export async function findAnswer(db: D1Database, ticketId: number): Promise<StoredAnswer | null> {
  const row = await db
    .prepare(`SELECT ${ANSWER_COLUMNS} FROM responses WHERE ticket_id = ?1`)
    .bind(ticketId)
    .first<AnswerRow>();
  return row ? toAnswer(row) : null;
}

/**
 * Leases responses whose newest version PostHog has not accepted yet (see leasePendingCaptures), so
 * that the request's own attempt and the cron never deliver the same version side by side.
 */
export async function claimPendingCaptures(db: D1Database, now: number, claim: CaptureClaim): Promise<StoredAnswer[]> {
  const rows = await leasePendingCaptures<AnswerRow>(db, "responses", ANSWER_COLUMNS, now, claim);
  return rows.map(toAnswer);
}

/**
 * Erasure: the personal fields of a person's answers (comment and distinct id), on their tickets or
 * under their distinct id. Ratings and hedgehogs stay: they are anonymous.
 */
export function eraseAnswers(
  db: D1Database,
  who: { ticketIdsJson: string; distinctId: string | null },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE responses SET comment = NULL, distinct_id = NULL
       WHERE (ticket_id IN (SELECT value FROM json_each(?1)) OR (?2 IS NOT NULL AND distinct_id = ?2))
         AND (comment IS NOT NULL OR distinct_id IS NOT NULL)`,
    )
    .bind(who.ticketIdsJson, who.distinctId);
}

/** The first stored answer (Unix ms): the survey must not start after it. */
export async function earliestAnswerAt(db: D1Database): Promise<number | null> {
  const row = await db
    .prepare("SELECT MIN(first_submitted_at) AS first FROM responses")
    .first<{ first: number | null }>();
  return row?.first ?? null;
}
