// The daily check: once a day the ten-minute cron looks at PostHog's survey and dashboard as
// `npm run posthog-setup` would (without changing anything) and keeps the result for /admin.
import type { Settings } from "../config";
import { DAY_MS } from "../lib/time";
import { earliestAnswerAt, setUpPostHog } from "./posthog-setup";

/** Checked once a day; a little slack keeps the check at the same time of day despite cron jitter. */
export const CHECK_INTERVAL_MS = DAY_MS - 5 * 60_000;

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

/**
 * Runs the check when a day has passed since the last one. Only one invocation wins the day: the
 * claim is one conditional upsert. Never throws for PostHog's sake: a refusal is stored as the error.
 */
export async function dailyPostHogCheck(db: D1Database, settings: Settings, now: number, fetcher: typeof fetch) {
  const p = settings.posthog;
  if (!p.personalApiKey || !p.projectId) return "skipped: POSTHOG_PERSONAL_API_KEY and POSTHOG_PROJECT_ID are not set";
  const claimed = await db
    .prepare(
      `INSERT INTO posthog_setup_check (id, checked_at, ok, mismatches) VALUES (1, ?1, 1, '[]')
       ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at WHERE posthog_setup_check.checked_at <= ?2
       RETURNING id`,
    )
    .bind(now, now - CHECK_INTERVAL_MS)
    .first();
  if (!claimed) return "not due (checked within the last day)";

  let result: {
    ok: boolean;
    mismatches: string[];
    error: string | null;
    surveyId: string | null;
    dashboardId: number | null;
  };
  try {
    const report = await setUpPostHog(
      { appHost: p.appHost, projectId: p.projectId, personalApiKey: p.personalApiKey, fetcher },
      {
        surveyName: p.surveyName,
        surveyId: p.surveyId,
        ratingQuestionId: p.ratingQuestionId,
        commentQuestionId: p.commentQuestionId,
      },
      { create: false, fix: false, earliestAnswerAt: await earliestAnswerAt(db), now },
    );
    const mismatches = [...report.mismatches, ...report.settingsToChange];
    result = {
      ok: mismatches.length === 0,
      mismatches,
      error: null,
      surveyId: report.surveyId ?? null,
      dashboardId: report.dashboardId ?? null,
    };
  } catch (err) {
    result = {
      ok: false,
      mismatches: [],
      error: err instanceof Error ? err.message : String(err),
      surveyId: null,
      dashboardId: null,
    };
  }
  await db
    .prepare(
      `UPDATE posthog_setup_check SET ok = ?1, mismatches = ?2, error = ?3, survey_id = ?4, dashboard_id = ?5
       WHERE id = 1 AND checked_at = ?6`,
    )
    .bind(result.ok ? 1 : 0, JSON.stringify(result.mismatches), result.error, result.surveyId, result.dashboardId, now)
    .run();
  return result.error ? { ok: false, error: result.error } : { ok: result.ok, mismatches: result.mismatches.length };
}
