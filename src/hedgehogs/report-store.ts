import { REPORT_SQL } from "./report-sql";
import type { PostHogSupportCell, SupportCell } from "./breakdowns";
import type { ResponseRateCell } from "./response-rates";
import { buildLedger } from "./ledger";
import { LEDGER_SQL, toEntries } from "./ledger-store";
import { NOT_FIXED_YET_REASON } from "../settings-schemas";
import { DEFAULT_TEAM } from "../lib/survey-link";
import {
  buildReport,
  periodMonths,
  periodRange,
  type DonationTerms,
  type MonthlyReport,
  type ReminderFigures,
  type TeamCounts,
} from "./report";

/**
 * A period's report: a month ('YYYY-MM') or, with DONATION_PERIOD=quarter, a quarter ('YYYY-Qn').
 * `reasons`: LOW_RATING_REASONS (ids and labels, in order) for the low ratings by reason.
 */
export async function computeReport(
  db: D1Database,
  month: string,
  terms: DonationTerms,
  reasons: Array<{ id: string; label: string }> = [],
): Promise<MonthlyReport> {
  const { start, end } = periodRange(month);
  const { first, last } = periodMonths(month);
  const [
    teams,
    hedgehogs,
    emailed,
    support,
    entries,
    tally,
    verification,
    posthogSupport,
    lowByReason,
    low,
    reminders,
    rates,
  ] = await db.batch([
    db.prepare(REPORT_SQL.teams).bind(start, end),
    db.prepare(REPORT_SQL.hedgehogs).bind(first, last),
    db.prepare(REPORT_SQL.emailed).bind(start, end),
    db.prepare(REPORT_SQL.support).bind(start, end),
    db.prepare(LEDGER_SQL.entries),
    db.prepare(LEDGER_SQL.tally),
    db.prepare(REPORT_SQL.verification).bind(start, end),
    db.prepare(REPORT_SQL.posthogSupport).bind(start, end),
    db.prepare(REPORT_SQL.lowByReason).bind(start, end),
    db.prepare(REPORT_SQL.lowRatings).bind(start, end, NOT_FIXED_YET_REASON),
    db.prepare(REPORT_SQL.reminders).bind(start, end),
    db.prepare(REPORT_SQL.responseRates).bind(start, end, DEFAULT_TEAM),
  ]);
  const lowCounts = low!.results[0] as { low: number; noReason: number; notFixedYet: number };
  const {
    months: _months,
    entries: _entries,
    ...ledger
  } = buildLedger(tally!.results as Array<{ month: string; hedgehogs: number }>, toEntries(entries!.results), terms, {
    throughMonth: last,
  });
  const h = hedgehogs!.results[0] as { hedgehogs: number; runningHedgehogs: number };
  const e = emailed!.results[0] as { surveysEmailed: number };
  return buildReport(
    {
      month,
      hedgehogs: h.hedgehogs,
      runningHedgehogs: h.runningHedgehogs,
      surveysEmailed: e.surveysEmailed,
      teams: teams!.results as TeamCounts[],
      support: support!.results as SupportCell[],
      ledger,
      verification: verification!.results as Array<{ verifiedBy: string; responses: number }>,
      posthogSupport: posthogSupport!.results as PostHogSupportCell[],
      lowRatings: {
        ...lowCounts,
        byReason: lowByReason!.results as Array<{ reason: string; answers: number }>,
        reasons,
      },
      reminders: reminders!.results[0] as ReminderFigures,
      responseRates: rates!.results as ResponseRateCell[],
    },
    terms,
  );
}

/** A month's report as stored when the month closed, and what has been delivered of it. */
export interface StoredReport {
  report: MonthlyReport;
  createdAt: number;
  emailedAt: number | null;
  emailError: string | null;
  capturedAt: number | null;
}

interface StoredReportRow {
  month: string;
  figures: string;
  created_at: number;
  emailed_at: number | null;
  email_error: string | null;
  captured_at: number | null;
}

/** Stores a month's report unless one is stored already; true only for the call that stored it. */
export async function storeReportOnce(db: D1Database, report: MonthlyReport, now: number): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO monthly_reports (month, figures, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (month) DO NOTHING`,
    )
    .bind(report.month, JSON.stringify(report), now)
    .run();
  return result.meta.changes === 1;
}

export async function findStoredReport(db: D1Database, month: string): Promise<StoredReport | null> {
  const row = await db.prepare(`SELECT * FROM monthly_reports WHERE month = ?1`).bind(month).first<StoredReportRow>();
  return (
    row && {
      report: JSON.parse(row.figures) as MonthlyReport,
      createdAt: row.created_at,
      emailedAt: row.emailed_at,
      emailError: row.email_error,
      capturedAt: row.captured_at,
    }
  );
}

export async function markReportEmailed(
  db: D1Database,
  month: string,
  now: number,
  error: string | null,
): Promise<void> {
  await db
    .prepare(
      `UPDATE monthly_reports SET emailed_at = CASE WHEN ?3 IS NULL THEN ?2 ELSE emailed_at END, email_error = ?3 WHERE month = ?1`,
    )
    .bind(month, now, error)
    .run();
}

export async function markReportCaptured(db: D1Database, month: string, now: number): Promise<void> {
  await db.prepare(`UPDATE monthly_reports SET captured_at = ?2 WHERE month = ?1`).bind(month, now).run();
}

/** Hedgehogs per month, oldest first, from the tally (a few hundred rows at most). */
export async function hedgehogsByMonth(
  db: D1Database,
  fromMonth: string,
): Promise<Array<{ month: string; hedgehogs: number }>> {
  const { results } = await db
    .prepare(`SELECT month, hedgehogs FROM hedgehog_tally WHERE month >= ?1 ORDER BY month`)
    .bind(fromMonth)
    .all<{ month: string; hedgehogs: number }>();
  return results;
}

/** Responses and satisfied answers per team and month since `start` (ms), from the covering index. */
export async function csatByTeamAndMonth(
  db: D1Database,
  start: number,
): Promise<Array<{ month: string; team: string; responses: number; satisfied: number }>> {
  const { results } = await db
    .prepare(REPORT_SQL.csatByTeamAndMonth)
    .bind(start)
    .all<{ month: string; team: string; responses: number; satisfied: number }>();
  return results;
}
