import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { isMonth, monthRange, monthsEnding, reportFigures } from "../hedgehogs/report";
import { computeReport, csatByTeamAndMonth, findStoredReport, hedgehogsByMonth } from "../hedgehogs/report-store";
import { DAY_MS, utcMonth } from "../lib/time";
import { firstAnsweredMonth } from "./answers-store";
import { csv } from "./csv";
import { ticketPage, ticketPageSettings } from "../services/ticket-pages";
import { sourceOfKey } from "../lib/ticket-keys";
import { recentGuesses } from "./guesses-store";
import { WrongTokens } from "./guesses-views";
import { recentLowRatings, responsesBetween } from "./low-ratings-store";
import { postHogSetupNotice } from "./posthog-setup-notice";
import { LowRatingsPage, ReportPage } from "./report-views";

/** The month's report (page and JSON), the answers as CSV, and the recent low ratings. */
export const reportRoutes = new Hono<AppEnv>();

/** The clients with the latest wrong admin tokens the report page lists (a guesser from many addresses shows as many rows). */
const WRONG_TOKEN_CLIENTS_SHOWN = 20;

const badRequest = (c: Context<AppEnv>, message: string) => c.json({ error: message }, 400);

reportRoutes.get("/", async (c) => {
  const settings = settingsOf(c.env);
  const now = Date.now();
  const current = utcMonth(now);
  const month = c.req.query("month") ?? current;
  if (!isMonth(month)) return badRequest(c, "month must look like 2026-10");
  const first = await firstAnsweredMonth(c.env.DB);
  // The months that matter: from the first answer, at most the last 24 (12 for CSAT).
  const fromFirst = (months: string[]) => months.filter((m) => first !== null && m >= first);
  const chartMonths = fromFirst(monthsEnding(current, 24));
  const csatMonths = chartMonths.slice(-12);
  const [report, stored, hedgehogSeries, csatRows, guesses] = await Promise.all([
    computeReport(c.env.DB, month, settings.donation, settings.lowRatingReasons),
    findStoredReport(c.env.DB, month),
    hedgehogsByMonth(c.env.DB, chartMonths[0] ?? current),
    csatByTeamAndMonth(c.env.DB, monthRange(csatMonths[0] ?? current).start),
    recentGuesses(c.env.DB, now, WRONG_TOKEN_CLIENTS_SHOWN),
  ]);
  const byMonth = new Map(hedgehogSeries.map((h) => [h.month, h.hedgehogs]));
  const teams = [...new Set(csatRows.map((r) => r.team))].sort();
  const cell = new Map(csatRows.map((r) => [`${r.month}|${r.team}`, r]));
  return c.html(
    <ReportPage
      report={report}
      months={monthsEnding(current, 24).reverse()}
      emailedAt={stored?.emailedAt ?? null}
      hedgehogSeries={chartMonths.map((m) => ({ month: m, hedgehogs: byMonth.get(m) ?? 0 }))}
      csatMonths={csatMonths}
      csatTeams={teams.map((team) => ({
        team,
        csat: csatMonths.map((m) => {
          const r = cell.get(`${m}|${team}`);
          return r && r.responses > 0 ? r.satisfied / r.responses : null;
        }),
      }))}
      today={new Date(now).toISOString().slice(0, 10)}
      monthStart={new Date(monthRange(current).start).toISOString().slice(0, 10)}
      notice={await postHogSetupNotice(c.env.DB)}
      wrongTokens={<WrongTokens rows={guesses} now={now} />}
    />,
  );
});

reportRoutes.get("/report.json", async (c) => {
  const month = c.req.query("month") ?? utcMonth(Date.now());
  if (!isMonth(month)) return badRequest(c, "month must look like 2026-10");
  const [report, stored] = await Promise.all([
    computeReport(c.env.DB, month, settingsOf(c.env).donation, settingsOf(c.env).lowRatingReasons),
    findStoredReport(c.env.DB, month),
  ]);
  return c.json({
    ...report,
    figures: reportFigures(report),
    emailedAt: stored?.emailedAt ? new Date(stored.emailedAt).toISOString() : null,
  });
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Responses first given between two dates (inclusive, UTC), at most a year at a time. */
reportRoutes.get("/responses.csv", async (c) => {
  const from = c.req.query("from") ?? "";
  const to = c.req.query("to") ?? "";
  if (!DATE.test(from) || !DATE.test(to) || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) {
    return badRequest(c, "from and to must be dates like 2026-10-01");
  }
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  if (end <= start) return badRequest(c, "to must not be before from");
  if (end - start > 366 * DAY_MS) return badRequest(c, "download at most a year at a time");
  const rows = await responsesBetween(c.env.DB, start, end);
  const pages = ticketPageSettings(settingsOf(c.env));
  const body = csv(
    [
      "ticket_id",
      "team",
      "rating",
      "comment",
      "distinct_id",
      "initial_target_area",
      "first_submitted_at",
      "updated_at",
      "ticket_source",
    ],
    rows.map((r) => [
      // What a person looks the ticket up by: a Zendesk ticket's id, a PostHog Support ticket's number.
      ticketPage(r.ticketId, r.ticketNumber, pages).number ?? "",
      r.team,
      r.rating,
      r.comment,
      r.distinctId,
      r.initialTargetArea,
      new Date(r.firstSubmittedAt).toISOString(),
      new Date(r.updatedAt).toISOString(),
      sourceOfKey(r.ticketId),
    ]),
  );
  return c.body(body, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="responses-${from}-to-${to}.csv"`,
  });
});

reportRoutes.get("/low-ratings", async (c) =>
  c.html(
    <LowRatingsPage rows={await recentLowRatings(c.env.DB, 100)} ticketPages={ticketPageSettings(settingsOf(c.env))} />,
  ),
);
