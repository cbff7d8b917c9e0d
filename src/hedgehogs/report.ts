/** The monthly donation report's maths: plain values in, plain values out. */
import { plural } from "../lib/plural";
import {
  buildBreakdowns,
  buildPostHogSupportBreakdowns,
  speedFinding,
  type Breakdowns,
  type PostHogSupportBreakdowns,
  type PostHogSupportCell,
  type SupportCell,
} from "./breakdowns";
import { balanceWords, majorUnits, quarterOf, type Ledger } from "./ledger";
import { buildResponseRates, responseRateLines, type ResponseRateCell, type ResponseRates } from "./response-rates";
import { formatCount } from "../lib/format";

export interface TeamCounts {
  team: string;
  responses: number;
  /** Ratings of 4 or 5. */
  satisfied: number;
  ratingSum: number;
}

export interface TeamFigures extends TeamCounts {
  csat: number | null;
  meanRating: number | null;
}

export interface DonationTerms {
  hedgehogCostMinor: number;
  currency: string;
  charity: string;
}

export interface MonthlyReport {
  month: string;
  hedgehogs: number;
  /** All hedgehogs fed up to the end of this month. */
  runningHedgehogs: number;
  donation: { amountMinor: number; currency: string; charity: string; costPerHedgehogMinor: number };
  surveysEmailed: number;
  responses: number;
  /** Responses ÷ surveys emailed in the month (null when none were emailed). */
  responseRate: number | null;
  /** Share of ratings that are 4 or 5 (null without responses). */
  csat: number | null;
  meanRating: number | null;
  teams: TeamFigures[];
  /** CSAT by plan, first-reply target, reopened and assignee (absent from reports stored before the support context was kept). */
  breakdowns?: Breakdowns;
  /** "CSAT 92% when the first reply met its target, 61% when it missed: …" (null: no answer had a target). */
  speedFinding?: string | null;
  /** The ledger to the end of this month: owed for every hedgehog so far, paid, and the balance. */
  ledger?: LedgerSummary;
  /**
   * How the month's answers' links were verified: signed links, or unsigned ones checked against Zendesk
   * or (`posthogSupport`, only when there were any) against PostHog Support.
   */
  verifiedBy?: { signature: number; zendesk: number; posthogSupport?: number };
  /** CSAT of PostHog Support tickets by channel, priority and SLA, in months that had any. */
  posthogSupport?: PostHogSupportBreakdowns;
  /** Low ratings (1-3) by the reason chosen (absent from reports stored before reasons were asked). */
  lowRatings?: LowRatingFigures;
  /** Of the period's surveys, the share answered, by team, plan and channel (response-rates.ts). */
  responseRates?: ResponseRates;
  /** The one reminder (SURVEY_REMINDER_DAYS), counted apart (absent from reports stored before reminders). */
  reminders?: ReminderFigures;
}

export interface ReminderFigures {
  /** Reminders emailed in the month (not counted in `surveysEmailed`). */
  reminded: number;
  /** The month's answers first given after their ticket's reminder was sent. */
  answeredAfterReminder: number;
}

/** The month's low ratings by reason, and CSAT without the answers that blame a bug not fixed yet. */
export interface LowRatingFigures {
  /** Ratings of 1 to 3. */
  total: number;
  /** Low ratings that chose no reason. */
  noReason: number;
  /** Per reason, in the list's order (an answer counts once for each reason it gave). */
  byReason: Array<{ id: string; label: string; answers: number }>;
  /** Answers naming "not fixed yet": unhappy with the product rather than the support. */
  notFixedYet: number;
  /** CSAT of the month's answers without those (null when none is left). */
  csatWithoutNotFixedYet: number | null;
}

/** What the reasons' queries found, as buildReport takes it. */
export interface LowRatingCounts {
  low: number;
  noReason: number;
  notFixedYet: number;
  byReason: Array<{ reason: string; answers: number }>;
  /** LOW_RATING_REASONS: the ids in order, with their labels. */
  reasons: Array<{ id: string; label: string }>;
}

function lowRatingFigures(c: LowRatingCounts, responses: number, satisfied: number): LowRatingFigures {
  const known = c.reasons.map((r) => r.id);
  // A reason no longer listed keeps its answers, under its id, after the listed ones.
  const unlisted = c.byReason.filter((b) => !known.includes(b.reason)).map((b) => ({ id: b.reason, label: b.reason }));
  const left = responses - c.notFixedYet;
  return {
    total: c.low,
    noReason: c.noReason,
    byReason: [...c.reasons, ...unlisted].map((r) => ({
      ...r,
      answers: c.byReason.find((b) => b.reason === r.id)?.answers ?? 0,
    })),
    notFixedYet: c.notFixedYet,
    csatWithoutNotFixedYet: left > 0 ? satisfied / left : null,
  };
}

export type LedgerSummary = Pick<
  Ledger,
  "currency" | "hedgehogs" | "owedMinor" | "paidMinor" | "balanceMinor" | "otherCurrencies"
>;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

/** [start, end) of a UTC month in milliseconds. */
export function monthRange(month: string): { start: number; end: number } {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { start: Date.UTC(year, index, 1), end: Date.UTC(year, index + 1, 1) };
}

const QUARTER = /^(\d{4})-Q([1-4])$/;

/** How often the donation is reported and paid (DONATION_PERIOD). */
export type DonationPeriod = "month" | "quarter";

/** The first and last month of a period: a month ('YYYY-MM') is its own, a quarter ('YYYY-Qn') three. */
export function periodMonths(period: string): { first: string; last: string } {
  const q = QUARTER.exec(period);
  if (!q) {
    monthRange(period); // throws for anything that is not a month either
    return { first: period, last: period };
  }
  const first = (Number(q[2]) - 1) * 3 + 1;
  const month = (m: number) => `${q[1]}-${String(m).padStart(2, "0")}`;
  return { first: month(first), last: month(first + 2) };
}

/** [start, end) of a period in milliseconds (UTC). */
export function periodRange(period: string): { start: number; end: number } {
  const { first, last } = periodMonths(period);
  return { start: monthRange(first).start, end: monthRange(last).end };
}

/**
 * The period whose report is due in the month `ms` falls in: last month, or for quarters the last
 * quarter, due only in a quarter's first month (January, April, July, October); null otherwise.
 */
export function periodDue(ms: number, period: DonationPeriod): string | null {
  const last = previousMonth(ms);
  if (period === "month") return last;
  if (new Date(ms).getUTCMonth() % 3 !== 0) return null;
  return quarterOf(last);
}

/** The UTC month before the one `ms` falls in. */
export function previousMonth(ms: number): string {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

/** Answers by how their link was verified. */
function verifiedBy(rows: Array<{ verifiedBy: string; responses: number }>): NonNullable<MonthlyReport["verifiedBy"]> {
  const count = (by: string) => rows.find((v) => v.verifiedBy === by)?.responses ?? 0;
  const posthogSupport = count("posthog-support");
  return {
    signature: count("signature"),
    zendesk: count("zendesk"),
    ...(posthogSupport > 0 ? { posthogSupport } : {}),
  };
}

/** `count` months ending with `last`, oldest first. */
export function monthsEnding(last: string, count: number): string[] {
  const { start } = monthRange(last);
  const d = new Date(start);
  return Array.from({ length: count }, (_, i) =>
    new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (count - 1 - i), 1)).toISOString().slice(0, 7),
  );
}

function teamFigures(c: TeamCounts): TeamFigures {
  return {
    ...c,
    csat: c.responses > 0 ? c.satisfied / c.responses : null,
    meanRating: c.responses > 0 ? c.ratingSum / c.responses : null,
  };
}

export function buildReport(
  input: {
    month: string;
    hedgehogs: number;
    runningHedgehogs: number;
    surveysEmailed: number;
    teams: TeamCounts[];
    support?: SupportCell[];
    ledger?: LedgerSummary;
    verification?: Array<{ verifiedBy: string; responses: number }>;
    posthogSupport?: PostHogSupportCell[];
    lowRatings?: LowRatingCounts;
    responseRates?: ResponseRateCell[];
    reminders?: ReminderFigures;
  },
  terms: DonationTerms,
): MonthlyReport {
  const breakdowns = buildBreakdowns(input.support ?? []);
  const total = input.teams.reduce(
    (sum, t) => ({
      responses: sum.responses + t.responses,
      satisfied: sum.satisfied + t.satisfied,
      ratingSum: sum.ratingSum + t.ratingSum,
    }),
    { responses: 0, satisfied: 0, ratingSum: 0 },
  );
  const overall = teamFigures({ team: "all", ...total });
  return {
    month: input.month,
    hedgehogs: input.hedgehogs,
    runningHedgehogs: input.runningHedgehogs,
    donation: {
      amountMinor: input.hedgehogs * terms.hedgehogCostMinor,
      currency: terms.currency,
      charity: terms.charity,
      costPerHedgehogMinor: terms.hedgehogCostMinor,
    },
    surveysEmailed: input.surveysEmailed,
    responses: total.responses,
    responseRate: input.surveysEmailed > 0 ? total.responses / input.surveysEmailed : null,
    csat: overall.csat,
    meanRating: overall.meanRating,
    teams: [...input.teams].sort((a, b) => b.responses - a.responses || a.team.localeCompare(b.team)).map(teamFigures),
    breakdowns,
    speedFinding: speedFinding(breakdowns),
    ...(input.ledger ? { ledger: input.ledger } : {}),
    // Only in months with answers to PostHog Support tickets: a Zendesk-only report stays as it was.
    ...(input.posthogSupport?.length ? { posthogSupport: buildPostHogSupportBreakdowns(input.posthogSupport) } : {}),
    ...(input.reminders ? { reminders: input.reminders } : {}),
    ...(input.lowRatings ? { lowRatings: lowRatingFigures(input.lowRatings, total.responses, total.satisfied) } : {}),
    ...(input.responseRates ? { responseRates: buildResponseRates(input.responseRates) } : {}),
    ...(input.verification
      ? {
          verifiedBy: verifiedBy(input.verification),
        }
      : {}),
  };
}

/** An amount in minor units, in its currency's own digits (£12.50, ¥1,200, KWD 1.250). */
export function formatMoney(minor: number, currency: string): string {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(majorUnits(minor, currency));
}

export function formatPercent(share: number | null): string {
  return share === null ? "—" : `${(share * 100).toFixed(1)}%`;
}

export function formatMean(mean: number | null): string {
  return mean === null ? "—" : mean.toFixed(2);
}

/** "March 2031", or for a quarter "Q1 2031 (January to March)". */
export function monthName(month: string): string {
  const q = QUARTER.exec(month);
  if (q) {
    const { first, last } = periodMonths(month);
    const name = (m: string) =>
      new Date(monthRange(m).start).toLocaleDateString("en-GB", { month: "long", timeZone: "UTC" });
    return `Q${q[2]} ${q[1]} (${name(first)} to ${name(last)})`;
  }
  return new Date(monthRange(month).start).toLocaleDateString("en-GB", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

/** "owed £60.00 for 12 hedgehogs, paid £50.00: £10.00 still to pay" */
export function ledgerLine(l: LedgerSummary): string {
  const money = (minor: number) => formatMoney(minor, l.currency);
  const other = l.otherCurrencies
    .map((o) => ` (also paid ${formatMoney(o.amountMinor, o.currency)}, not converted)`)
    .join("");
  return `owed ${money(l.owedMinor)} for ${plural(l.hedgehogs, "hedgehog")}, paid ${money(l.paidMinor)}: ${balanceWords(l.balanceMinor, money)}${other}`;
}

/**
 * One figure of the report, as every renderer shows it: the admin page, the donor's email and its text,
 * `npm run report`, the JSON, and the PostHog event (`key` names the event's property, `value` its value).
 */
export interface ReportFigure {
  key: string;
  label: string;
  /** The value in words and digits, as a person reads it. */
  shown: string;
  value: number | null;
}

/** The report's figures, defined once, in the order they are shown. */
export function reportFigures(r: MonthlyReport): ReportFigure[] {
  const money = (minor: number) => formatMoney(minor, r.donation.currency);
  return [
    {
      key: "hedgehogs",
      label: "Hedgehogs fed",
      shown: `${formatCount(r.hedgehogs)} (${formatCount(r.runningHedgehogs)} in all)`,
      value: r.hedgehogs,
    },
    {
      key: "donation_amount",
      label: "Donation",
      shown: `${money(r.donation.amountMinor)} to ${r.donation.charity} (${money(r.donation.costPerHedgehogMinor)} a hedgehog)`,
      value: majorUnits(r.donation.amountMinor, r.donation.currency),
    },
    { key: "surveys_emailed", label: "Surveys emailed", shown: formatCount(r.surveysEmailed), value: r.surveysEmailed },
    { key: "responses", label: "Responses", shown: formatCount(r.responses), value: r.responses },
    { key: "response_rate", label: "Response rate", shown: formatPercent(r.responseRate), value: r.responseRate },
    ...(r.reminders && (r.reminders.reminded > 0 || r.reminders.answeredAfterReminder > 0)
      ? reminderFigures(r.reminders)
      : []),
    { key: "csat", label: "CSAT (share of 4-5 ratings)", shown: formatPercent(r.csat), value: r.csat },
    ...(r.lowRatings ? lowRatingReportFigures(r.lowRatings) : []),
    { key: "mean_rating", label: "Mean rating", shown: formatMean(r.meanRating), value: r.meanRating },
  ];
}

/** The reminders, apart from the surveys: a month without any (reminders are off by default) shows none. */
function reminderFigures(m: ReminderFigures): ReportFigure[] {
  return [
    { key: "reminded", label: "Reminders emailed", shown: formatCount(m.reminded), value: m.reminded },
    {
      key: "answered_after_reminder",
      label: "Answered after the reminder",
      shown: formatCount(m.answeredAfterReminder),
      value: m.answeredAfterReminder,
    },
  ];
}

/** A group of answers (a team, a plan, an assignee…) as the report counts it. */
export interface GroupOfAnswers {
  responses: number;
  csat: number | null;
  meanRating: number | null;
  /** Too few answers to show their CSAT and mean: a count only. */
  small?: boolean;
}

/**
 * A group's figures, defined once, in the order they are shown: the admin tables, the donor's email
 * and the breakdowns CSV (`value`; null when a small group shows a count only).
 */
export function groupFigures(g: GroupOfAnswers): ReportFigure[] {
  const hidden = g.small === true;
  return [
    { key: "answers", label: "Answers", shown: formatCount(g.responses), value: g.responses },
    { key: "csat", label: "CSAT", shown: hidden ? "too few" : formatPercent(g.csat), value: hidden ? null : g.csat },
    {
      key: "mean_rating",
      label: "Mean",
      shown: hidden ? "too few" : formatMean(g.meanRating),
      value: hidden ? null : g.meanRating,
    },
  ];
}

/**
 * CSAT without the "not fixed yet" answers, beside CSAT, then the low ratings by reason: the support's
 * own score apart from the product's gaps.
 */
function lowRatingReportFigures(l: LowRatingFigures): ReportFigure[] {
  const parts = [
    ...l.byReason.filter((r) => r.answers > 0).map((r) => `${r.label} ${formatCount(r.answers)}`),
    ...(l.noReason > 0 ? [`no reason given ${formatCount(l.noReason)}`] : []),
  ];
  return [
    {
      key: "csat_without_not_fixed_yet",
      label: 'CSAT without "not fixed yet" answers',
      shown: `${formatPercent(l.csatWithoutNotFixedYet)} (${plural(l.notFixedYet, "answer")} left out)`,
      value: l.csatWithoutNotFixedYet,
    },
    {
      key: "low_ratings",
      label: "Low ratings (1-3) by reason",
      shown: l.total === 0 ? "none" : `${formatCount(l.total)}: ${parts.join(", ")}`,
      value: l.total,
    },
  ];
}

/** The key and label of each of a group's figures, for headings. */
export const GROUP_FIGURE_HEADS: ReadonlyArray<{ key: string; label: string }> = groupFigures({
  responses: 0,
  csat: null,
  meanRating: null,
}).map(({ key, label }) => ({ key, label }));

/** The report as plain text (the email's text part and `npm run report`). */
export function reportText(r: MonthlyReport): string {
  const lines = [
    `Hedgehog donation report: ${monthName(r.month)}`,
    "",
    ...reportFigures(r).map((f) => `${f.label}: ${f.shown}`),
    "",
    ...(r.speedFinding ? [r.speedFinding, ""] : []),
    ...(r.ledger ? [`Donations to date: ${ledgerLine(r.ledger)}`, ""] : []),
    "By team:",
    ...(r.teams.length === 0
      ? ["  (no responses)"]
      : r.teams.map(
          (t) =>
            `  ${t.team}: ${plural(t.responses, "response")}, CSAT ${formatPercent(t.csat)}, mean ${formatMean(t.meanRating)}`,
        )),
    "",
    ...(r.responseRates ? responseRateLines(r.responseRates) : []),
  ];
  return lines.join("\n");
}
