// The daily PostHog check's one row (posthog_setup_check): claimed by one invocation a day, then its result.

export interface StoredCheck {
  checkedAt: number;
  ok: boolean;
  mismatches: string[];
  error: string | null;
  surveyId: string | null;
  dashboardId: number | null;
}

interface Row {
  checked_at: number;
  ok: number;
  mismatches: string;
  error: string | null;
  survey_id: string | null;
  dashboard_id: number | null;
}

export async function lastPostHogCheck(db: D1Database): Promise<StoredCheck | null> {
  const row = await db.prepare("SELECT * FROM posthog_setup_check WHERE id = 1").first<Row>();
  if (!row) return null;
  let mismatches: string[] = [];
  try {
    mismatches = JSON.parse(row.mismatches) as string[];
  } catch {
    mismatches = [];
  }
  return {
    checkedAt: row.checked_at,
    ok: row.ok === 1,
    mismatches,
    error: row.error,
    surveyId: row.survey_id,
    dashboardId: row.dashboard_id,
  };
}

/** What one check found. */
export interface CheckResult {
  ok: boolean;
  mismatches: string[];
  error: string | null;
  surveyId: string | null;
  dashboardId: number | null;
}

/** Claims today's check: one conditional upsert, so only one invocation wins the day. */
export async function claimDailyCheck(db: D1Database, now: number, intervalMs: number): Promise<boolean> {
  const claimed = await db
    .prepare(
      `INSERT INTO posthog_setup_check (id, checked_at, ok, mismatches) VALUES (1, ?1, 1, '[]')
       ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at WHERE posthog_setup_check.checked_at <= ?2
       RETURNING id`,
    )
    .bind(now, now - intervalMs)
    .first();
  return claimed !== null;
}

/** Stores the result of the check claimed at `claimedAt`. */
export async function saveCheckResult(db: D1Database, result: CheckResult, claimedAt: number): Promise<void> {
  await db
    .prepare(
      `UPDATE posthog_setup_check SET ok = ?1, mismatches = ?2, error = ?3, survey_id = ?4, dashboard_id = ?5
       WHERE id = 1 AND checked_at = ?6`,
    )
    .bind(
      result.ok ? 1 : 0,
      JSON.stringify(result.mismatches),
      result.error,
      result.surveyId,
      result.dashboardId,
      claimedAt,
    )
    .run();
}
