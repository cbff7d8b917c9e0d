export { recentJobRuns, type JobRun } from "../lib/job-runs-store";
/** How many tickets reached one dispatch outcome (and reason), and when the latest did. */
export interface DispatchOutcomeCount {
  status: string;
  reason: string | null;
  tickets: number;
  latest: number;
}

/** Tickets by dispatch outcome (and reason) since a time. */
export async function dispatchStatus(db: D1Database, since: number): Promise<DispatchOutcomeCount[]> {
  const { results } = await db
    .prepare(
      `SELECT status, reason, COUNT(*) AS tickets, MAX(decided_at) AS latest FROM survey_sends
       WHERE decided_at >= ?1 GROUP BY status, reason ORDER BY status, tickets DESC`,
    )
    .bind(since)
    .all<DispatchOutcomeCount>();
  return results;
}

export interface WaitingTickets {
  tickets: number;
  /** When the first of them is due (solved + the delay), or null when none wait. */
  nextDueAt: number | null;
}

/**
 * Solved tickets still waiting out the delay before their survey (no decision yet). Whether each is
 * then emailed or skipped is decided when it is due. Reads the candidates_due index.
 */
export async function waitingTickets(db: D1Database, now: number, delayMs: number): Promise<WaitingTickets> {
  const row = await db
    .prepare(
      `SELECT COUNT(*) AS tickets, MIN(solved_at) AS oldest FROM candidates c
       WHERE status IN ('solved', 'closed') AND solved_at > ?1
         AND NOT EXISTS (SELECT 1 FROM survey_sends s WHERE s.ticket_id = c.ticket_id)`,
    )
    .bind(now - delayMs)
    .first<{ tickets: number; oldest: number | null }>();
  return { tickets: row?.tickets ?? 0, nextDueAt: row?.oldest == null ? null : row.oldest + delayMs };
}
