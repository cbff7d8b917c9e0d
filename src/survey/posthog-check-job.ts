// The daily check: once a day the ten-minute cron looks at PostHog's survey and dashboard as
// `npm run posthog-setup` would (without changing anything) and keeps the result for /admin.
import type { Settings } from "../config";
import { DAY_MS } from "../lib/time";
import { claimDailyCheck, saveCheckResult, type CheckResult } from "./posthog-check-store";
import { setUpPostHog } from "./posthog-setup";
import { earliestAnswerAt } from "./responses-store";

/** Checked once a day; a little slack keeps the check at the same time of day despite cron jitter. */
const CHECK_INTERVAL_MS = DAY_MS - 5 * 60_000;

/**
 * Runs the check when a day has passed since the last one. Only one invocation wins the day: the
 * claim is one conditional upsert. Never throws for PostHog's sake: a refusal is stored as the error.
 */
export async function dailyPostHogCheck(db: D1Database, settings: Settings, now: number, fetcher: typeof fetch) {
  const p = settings.posthog;
  if (!p.personalApiKey || !p.projectId) return "skipped: POSTHOG_PERSONAL_API_KEY and POSTHOG_PROJECT_ID are not set";
  if (!(await claimDailyCheck(db, now, CHECK_INTERVAL_MS))) return "not due (checked within the last day)";

  let result: CheckResult;
  try {
    const report = await setUpPostHog(
      { appHost: p.appHost, projectId: p.projectId, personalApiKey: p.personalApiKey, fetcher },
      {
        surveyName: p.surveyName,
        surveyId: p.surveyId,
        ratingQuestionId: p.ratingQuestionId,
        commentQuestionId: p.commentQuestionId,
        reasonsQuestionId: p.reasonsQuestionId,
        reasons: settings.lowRatingReasons.map((r) => r.label),
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
  await saveCheckResult(db, result, now);
  return result.error ? { ok: false, error: result.error } : { ok: result.ok, mismatches: result.mismatches.length };
}
