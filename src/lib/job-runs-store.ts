/**
 * The record of every cron and queue run (job_runs): what it did and what it cost. Written by the
 * job runner, read by /admin/dispatch and the benchmarks; this is the only place its SQL lives.
 */
import type { Meter } from "./metered";

/** One recorded run, as the admin page shows it (summary is the JSON the job returned). */
export interface JobRun {
  id: number;
  job: string;
  startedAt: number;
  finishedAt: number;
  subrequests: number;
  summary: string;
}

export async function recordJobRun(
  db: D1Database,
  job: string,
  startedAt: number,
  meter: Pick<Meter, "subrequests" | "d1Queries" | "rowsRead" | "rowsWritten">,
  summary: Record<string, unknown>,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO job_runs (job, started_at, finished_at, subrequests, d1_queries, d1_rows_read, d1_rows_written, summary)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
    )
    .bind(
      job,
      startedAt,
      Date.now(),
      meter.subrequests,
      meter.d1Queries,
      meter.rowsRead,
      meter.rowsWritten,
      JSON.stringify(summary),
    )
    .run();
}

export async function pruneJobRuns(db: D1Database, before: number): Promise<void> {
  await db.prepare(`DELETE FROM job_runs WHERE started_at < ?1`).bind(before).run();
}

export async function recentJobRuns(db: D1Database, limit: number): Promise<JobRun[]> {
  const { results } = await db
    .prepare(
      `SELECT id, job, started_at AS startedAt, finished_at AS finishedAt, subrequests, summary
       FROM job_runs ORDER BY id DESC LIMIT ?1`,
    )
    .bind(limit)
    .all<JobRun>();
  return results;
}
