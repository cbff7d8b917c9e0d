import type { Settings } from "../config";
import type { Mailer } from "../services/mail";
import { uuidFromName } from "../lib/ids";
import { captureToPostHog } from "../services/posthog-capture";
import { periodDue, reportFigures, type MonthlyReport } from "./report";
import { renderReportEmail } from "./report-email";
import {
  computeReport,
  findStoredReport,
  markReportCaptured,
  markReportEmailed,
  storeReportOnce,
} from "./report-store";

export interface ReportDeps {
  db: D1Database;
  settings: Settings;
  /** Made only when an email is due (a provider missing its key must not stop the rest of the job). */
  mailer: () => Mailer;
  fetcher?: typeof fetch;
}

/** A report left unsent this long ago is retried by the every-ten-minutes cron. */
const REPORT_RETRY_AFTER_MS = 15 * 60_000;

/**
 * Sends what a stored report still owes: the donor's email and the PostHog event. Keys derived from
 * the month make a repeat harmless where the provider honours them.
 */
async function deliverReport(
  deps: ReportDeps,
  report: MonthlyReport,
  owed: { email: boolean; event: boolean },
  now: number,
) {
  const { db, settings } = deps;
  const outcome: { emailed?: boolean; captured?: boolean; error?: string } = {};
  if (owed.email && settings.donation.reportTo) {
    const email = renderReportEmail(report);
    const key = `hedgehog-report-${report.month}`;
    const [result] = await deps
      .mailer()
      .send(
        [{ ...email, headers: {}, to: settings.donation.reportTo, from: settings.mail.from, idempotencyKey: key }],
        key,
      );
    const error = result?.kind === "done" ? null : (result?.reason ?? "no outcome from the mail provider");
    await markReportEmailed(db, report.month, now, error);
    outcome.emailed = error === null;
    if (error) outcome.error = error;
  }
  if (owed.event && settings.posthog.apiKey) {
    const captured = await captureToPostHog(
      { apiKey: settings.posthog.apiKey, host: settings.posthog.host, fetch: deps.fetcher, db },
      {
        distinctId: "hedgehog-csat",
        event: "hedgehog donation report",
        timestamp: new Date(now),
        uuid: await uuidFromName(`hedgehog-csat:report:${report.month}`),
        properties: {
          month: report.month,
          ...Object.fromEntries(reportFigures(report).map((f) => [f.key, f.value])),
          running_hedgehogs: report.runningHedgehogs,
          donation_amount_minor: report.donation.amountMinor,
          donation_currency: report.donation.currency,
          donation_charity: report.donation.charity,
          teams: report.teams.map((t) => ({
            team: t.team,
            responses: t.responses,
            csat: t.csat,
            mean_rating: t.meanRating,
          })),
          $process_person_profile: false,
        },
      },
    );
    if (captured.kind === "done") await markReportCaptured(db, report.month, now);
    outcome.captured = captured.kind === "done";
  }
  return outcome;
}

/**
 * The 1st-of-the-month job: builds last month's report (with DONATION_PERIOD=quarter, last quarter's,
 * in a quarter's first month) and stores it once. Only the run that stored
 * it sends it, so a re-run or an overlapping run sends nothing more.
 */
export async function runMonthlyReport(deps: ReportDeps, now: number) {
  const month = periodDue(now, deps.settings.donation.period);
  if (month === null) return { note: "DONATION_PERIOD=quarter: the next report is due in a quarter's first month" };
  const report = await computeReport(
    deps.db,
    month,
    {
      hedgehogCostMinor: deps.settings.donation.hedgehogCostMinor,
      currency: deps.settings.donation.currency,
      charity: deps.settings.donation.charity,
    },
    deps.settings.lowRatingReasons,
  );
  const created = await storeReportOnce(deps.db, report, now);
  if (!created) return { month, created, note: "already stored; nothing sent again" };
  return { month, created, ...(await deliverReport(deps, report, { email: true, event: true }, now)) };
}

/** Retries the email or event of a report whose first attempt failed (called by the ten-minute cron). */
export async function retryOwedReport(deps: ReportDeps, now: number) {
  const month = periodDue(now, deps.settings.donation.period);
  if (month === null) return null;
  const stored = await findStoredReport(deps.db, month);
  if (!stored || stored.createdAt > now - REPORT_RETRY_AFTER_MS) return null;
  const owed = {
    email: stored.emailedAt === null && deps.settings.donation.reportTo !== undefined,
    event: stored.capturedAt === null && deps.settings.posthog.apiKey !== undefined,
  };
  if (!owed.email && !owed.event) return null;
  return deliverReport(deps, stored.report, owed, now);
}
