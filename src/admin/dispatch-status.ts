export interface DispatchStatusRow {
  status: string;
  reason: string | null;
  tickets: number;
  latest: number;
}

export interface JobRunRow {
  id: number;
  job: string;
  started_at: number;
  finished_at: number;
  subrequests: number;
  d1_queries: number;
  d1_rows_read: number;
  summary: string;
}

/** Tickets by dispatch outcome (and reason) since a time. */
export async function dispatchStatus(db: D1Database, since: number): Promise<DispatchStatusRow[]> {
  const { results } = await db
    .prepare(
      `SELECT status, reason, COUNT(*) AS tickets, MAX(decided_at) AS latest FROM survey_sends
       WHERE decided_at >= ?1 GROUP BY status, reason ORDER BY status, tickets DESC`,
    )
    .bind(since)
    .all<DispatchStatusRow>();
  return results;
}

export async function recentJobRuns(db: D1Database, limit: number): Promise<JobRunRow[]> {
  const { results } = await db.prepare(`SELECT * FROM job_runs ORDER BY id DESC LIMIT ?1`).bind(limit).all<JobRunRow>();
  return results;
}
