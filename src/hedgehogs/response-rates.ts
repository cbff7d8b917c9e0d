/**
 * Response rate by team, by plan and by channel: of the surveys emailed in the period, the share
 * answered so far. Plain values in, plain values out; every renderer (the admin page, the donor's
 * email and its text, the JSON and the CSV) reads the figures from responseRateFigures.
 */
import { capitalised, MIN_GROUP_ANSWERS, planLabel } from "./breakdowns";
import { formatCount } from "../lib/format";
// formatPercent is a function declaration: hoisted, so this import cycle with report.ts is safe.
import { formatPercent, type ReportFigure } from "./report";

/** One row of REPORT_SQL.responseRates: the period's sent surveys of one (team, plan, channel) cell. */
export interface ResponseRateCell {
  team: string | null;
  plan: string | null;
  /** PostHog Support's `channel_source`; ZENDESK_CHANNEL for a Zendesk ticket; null: not known. */
  channel: string | null;
  sent: number;
  answered: number;
}

/**
 * The channel key of a Zendesk ticket. The sync does not keep how a Zendesk ticket came in (web form,
 * email, chat…), so its surveys are one group of their own rather than a guess at a channel.
 */
export const ZENDESK_CHANNEL = "zendesk";

export interface ResponseRateGroup {
  /** Stable key of the group (`null`: not known). */
  key: string | null;
  label: string;
  sent: number;
  answered: number;
  /** answered ÷ sent; null below MIN_GROUP_ANSWERS surveys sent. */
  rate: number | null;
  /** Fewer than MIN_GROUP_ANSWERS surveys sent: shown as counts only. */
  small: boolean;
}

export interface ResponseRates {
  team: ResponseRateGroup[];
  plan: ResponseRateGroup[];
  channel: ResponseRateGroup[];
}

export const RESPONSE_RATE_TITLES: Record<keyof ResponseRates, string> = {
  team: "Response rate by team",
  plan: "Response rate by plan",
  channel: "Response rate by channel",
};

export const RESPONSE_RATE_DIMENSIONS = Object.keys(RESPONSE_RATE_TITLES) as Array<keyof ResponseRates>;

function channelLabel(channel: string | null): string {
  if (channel === null) return "Not known";
  if (channel === ZENDESK_CHANNEL) return "Zendesk (channel not recorded)";
  return channel === "github" ? "GitHub" : capitalised(channel);
}

function rollRates(
  cells: ResponseRateCell[],
  keyOf: (c: ResponseRateCell) => string | null,
  labelOf: (key: string | null) => string,
): ResponseRateGroup[] {
  const groups = new Map<string | null, { sent: number; answered: number }>();
  for (const c of cells) {
    const g = groups.get(keyOf(c)) ?? { sent: 0, answered: 0 };
    g.sent += c.sent;
    g.answered += c.answered;
    groups.set(keyOf(c), g);
  }
  return [...groups.entries()]
    .map(([key, g]) => {
      const small = g.sent < MIN_GROUP_ANSWERS;
      return { key, label: labelOf(key), ...g, rate: small ? null : g.answered / g.sent, small };
    })
    .sort(
      (a, b) =>
        (a.key === null ? 1 : 0) - (b.key === null ? 1 : 0) || b.sent - a.sent || a.label.localeCompare(b.label),
    );
}

export function buildResponseRates(cells: ResponseRateCell[]): ResponseRates {
  return {
    team: rollRates(
      cells,
      (c) => c.team,
      (k) => k ?? "Not known",
    ),
    plan: rollRates(cells, (c) => c.plan, planLabel),
    channel: rollRates(cells, (c) => c.channel, channelLabel),
  };
}

/** A group's response-rate figures, defined once, in the order they are shown. */
export function responseRateFigures(g: Omit<ResponseRateGroup, "key" | "label">): ReportFigure[] {
  return [
    { key: "surveys_sent", label: "Surveys sent", shown: formatCount(g.sent), value: g.sent },
    { key: "answered", label: "Answered", shown: formatCount(g.answered), value: g.answered },
    {
      key: "response_rate",
      label: "Response rate",
      shown: g.small ? "too few" : formatPercent(g.rate),
      value: g.small ? null : g.rate,
    },
  ];
}

/** The key and label of each response-rate figure, for headings. */
export const RESPONSE_RATE_HEADS: ReadonlyArray<{ key: string; label: string }> = responseRateFigures({
  sent: 0,
  answered: 0,
  rate: null,
  small: false,
}).map(({ key, label }) => ({ key, label }));

/** What the figures mean, in one sentence, wherever they are shown. */
export const RESPONSE_RATE_MEANING = `Of the surveys emailed in the period, the share answered so far. Groups of fewer than ${MIN_GROUP_ANSWERS} surveys show their counts only.`;

/** The rates as every renderer shows them: a table per dimension, each group's label and figures. */
export function responseRateTables(
  rates: ResponseRates,
): Array<{ title: string; rows: Array<{ label: string; figures: ReportFigure[] }> }> {
  return RESPONSE_RATE_DIMENSIONS.map((dimension) => ({
    title: RESPONSE_RATE_TITLES[dimension],
    rows: rates[dimension].map((g) => ({ label: g.label, figures: responseRateFigures(g) })),
  }));
}

/** The rates as plain-text lines (the email's text part and `npm run report`). */
export function responseRateLines(rates: ResponseRates): string[] {
  return [
    RESPONSE_RATE_MEANING,
    "",
    ...responseRateTables(rates).flatMap((t) => [
      `${t.title}:`,
      ...(t.rows.length === 0
        ? ["  (no surveys sent)"]
        : t.rows.map((g) => `  ${g.label}: ${g.figures.map((f) => `${f.label.toLowerCase()} ${f.shown}`).join(", ")}`)),
      "",
    ]),
  ];
}
