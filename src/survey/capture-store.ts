// The delivery columns that every table D1 delivers to PostHog from has alike (capture_attempts,
// next_capture_at, capture_lease_until, last_capture_error), read and written the same way for each.

/**
 * Each table whose rows are delivered to PostHog: what says a row is still owed, and what records that
 * PostHog took it (?2 the version taken, ?3 the time).
 */
const TABLES = {
  // Each edit is a new version; PostHog has to take the newest.
  responses: {
    owed: "captured_version < version",
    taken: "captured_version = MAX(captured_version, ?2), captured_at = ?3",
  },
  // A ticket's first view, sent once.
  survey_impressions: { owed: "captured_at IS NULL", taken: "captured_at = ?3" },
} as const;

export type CaptureTable = keyof typeof TABLES;

export interface CaptureClaim {
  limit: number;
  leaseMs: number;
  /** Only this ticket's row (the first attempt, queued by the customer's request). */
  ticketId?: number;
}

/**
 * Takes a short lease on the rows still owed to PostHog whose time has come, oldest due first, so that
 * the queue's first attempt and the cron never deliver the same row side by side. Returns `columns`.
 */
export async function leasePendingCaptures<Row>(
  db: D1Database,
  table: CaptureTable,
  columns: string,
  now: number,
  claim: CaptureClaim,
): Promise<Row[]> {
  const { limit, leaseMs, ticketId } = claim;
  const { results } = await db
    .prepare(
      `UPDATE ${table} SET capture_lease_until = ?1
       WHERE ticket_id IN (
         SELECT ticket_id FROM ${table}
         WHERE ${TABLES[table].owed} AND next_capture_at <= ?2 AND capture_lease_until <= ?2
           AND (?4 IS NULL OR ticket_id = ?4)
         ORDER BY next_capture_at LIMIT ?3)
       RETURNING ${columns}`,
    )
    .bind(now + leaseMs, now, limit, ticketId ?? null)
    .all<Row>();
  return results;
}

/**
 * PostHog accepted these rows (a response's `version`; an impression has only one), or there is no
 * one to send them for any more: one batch for all of them.
 */
export async function markCaptured(
  db: D1Database,
  table: CaptureTable,
  delivered: Array<{ ticketId: number; version?: number }>,
  now: number,
): Promise<void> {
  if (delivered.length === 0) return;
  const statement = db.prepare(
    `UPDATE ${table} SET ${TABLES[table].taken},
       capture_lease_until = 0, capture_attempts = 0, last_capture_error = NULL
     WHERE ticket_id = ?1`,
  );
  await db.batch(delivered.map((d) => statement.bind(d.ticketId, d.version ?? null, now)));
}

/** PostHog did not take these rows yet: each waits until its next attempt (one batch for all). */
export async function markCaptureFailed(
  db: D1Database,
  table: CaptureTable,
  waiting: Array<{ ticketId: number; nextAttemptAt: number }>,
  error: string,
): Promise<void> {
  if (waiting.length === 0) return;
  const statement = db.prepare(
    `UPDATE ${table} SET capture_attempts = capture_attempts + 1, next_capture_at = ?2,
       capture_lease_until = 0, last_capture_error = ?3
     WHERE ticket_id = ?1`,
  );
  await db.batch(waiting.map((w) => statement.bind(w.ticketId, w.nextAttemptAt, error.slice(0, 500))));
}
