import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { isMonth, monthRange, monthsEnding } from "../hedgehogs/report";
import { computeReport, csatByTeamAndMonth, findStoredReport, hedgehogsByMonth } from "../hedgehogs/report-store";
import { firstAnsweredMonth } from "./answers-store";
import { csv } from "./csv";
import { eraseRoutes } from "./erase-routes";
import { donationsRoutes } from "./donations-routes";
import { answersRoutes } from "./answers-routes";
import { donationTerms, EMAIL_HTML_CSP, reportPreviewRoutes } from "./report-preview-routes";
import { LowRatingsPage, ReportPage } from "./report-views";
import { postHogSetupNotice } from "./posthog-setup-notice";
import { recentLowRatings, responsesBetween } from "./low-ratings-store";
import { isSameOriginPost } from "../lib/http";
import { DAY_MS, utcMonth } from "../lib/time";
import { ADMIN_COOKIE, requireAdmin, sameSecret } from "./auth";
import { createSession, endSession, SESSION_MS } from "./sessions-store";
import { formLimit, readForm } from "./forms";
import { dispatchStatus, recentJobRuns, waitingTickets } from "./dispatch-status-store";
import { readSyncStates } from "../dispatch/candidates-store";
import { findOutboxMessage, listOutbox } from "./outbox-store";
import { DispatchPage, OutboxMessagePage, OutboxPage, SignInPage } from "./views";

export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use("*", requireAdmin);

// Admin forms only ever post from admin pages.
adminRoutes.use("*", async (c, next) => {
  if (c.req.method === "POST") {
    const own = { requestUrl: c.req.url, publicBaseUrl: settingsOf(c.env).publicBaseUrl };
    if (!isSameOriginPost(c.req.raw.headers, own)) return c.json({ error: "Cross-site request refused." }, 403);
  }
  await next();
});

adminRoutes.get("/sign-in", (c) => c.html(<SignInPage />));

const cookieOptions = (c: Context<AppEnv>) => ({
  path: "/admin",
  httpOnly: true,
  secure: new URL(c.req.url).protocol === "https:",
  sameSite: "Strict" as const,
});

adminRoutes.post("/sign-in", formLimit, async (c) => {
  const token = (await readForm(c)).get("token") ?? "";
  const adminToken = settingsOf(c.env).adminToken!;
  if (token === "" || token.length > 500 || !(await sameSecret(token, adminToken))) {
    return c.html(<SignInPage error="That token is not right." />, 401);
  }
  const session = await createSession(c.env.DB, adminToken, Date.now());
  setCookie(c, ADMIN_COOKIE, session, { ...cookieOptions(c), maxAge: SESSION_MS / 1000 });
  return c.redirect("/admin", 303);
});

/** Ends the session on the server too, so a copied cookie stops working. */
adminRoutes.post("/sign-out", async (c) => {
  const cookie = getCookie(c, ADMIN_COOKIE);
  if (cookie !== undefined && cookie.length <= 200) await endSession(c.env.DB, cookie);
  deleteCookie(c, ADMIN_COOKIE, cookieOptions(c));
  return c.redirect("/admin/sign-in", 303);
});

const badRequest = (c: Context<AppEnv>, message: string) => c.json({ error: message }, 400);

adminRoutes.get("/", async (c) => {
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
  const [report, stored, hedgehogSeries, csatRows] = await Promise.all([
    computeReport(c.env.DB, month, donationTerms(settings)),
    findStoredReport(c.env.DB, month),
    hedgehogsByMonth(c.env.DB, chartMonths[0] ?? current),
    csatByTeamAndMonth(c.env.DB, monthRange(csatMonths[0] ?? current).start),
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
    />,
  );
});

adminRoutes.get("/report.json", async (c) => {
  const month = c.req.query("month") ?? utcMonth(Date.now());
  if (!isMonth(month)) return badRequest(c, "month must look like 2026-10");
  const [report, stored] = await Promise.all([
    computeReport(c.env.DB, month, donationTerms(settingsOf(c.env))),
    findStoredReport(c.env.DB, month),
  ]);
  return c.json({ ...report, emailedAt: stored?.emailedAt ? new Date(stored.emailedAt).toISOString() : null });
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Responses first given between two dates (inclusive, UTC), at most a year at a time. */
adminRoutes.get("/responses.csv", async (c) => {
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
    ],
    rows.map((r) => [
      r.ticketId,
      r.team,
      r.rating,
      r.comment,
      r.distinctId,
      r.initialTargetArea,
      new Date(r.firstSubmittedAt).toISOString(),
      new Date(r.updatedAt).toISOString(),
    ]),
  );
  return c.body(body, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="responses-${from}-to-${to}.csv"`,
  });
});

adminRoutes.get("/low-ratings", async (c) =>
  c.html(
    <LowRatingsPage rows={await recentLowRatings(c.env.DB, 100)} zendeskBaseUrl={settingsOf(c.env).zendesk.baseUrl} />,
  ),
);

adminRoutes.get("/dispatch", async (c) => {
  const days = 30;
  const now = Date.now();
  const delayDays = settingsOf(c.env).dispatch.delayDays;
  const [status, runs, sync, waiting] = await Promise.all([
    dispatchStatus(c.env.DB, now - days * DAY_MS),
    recentJobRuns(c.env.DB, 20),
    readSyncStates(c.env.DB),
    waitingTickets(c.env.DB, now, delayDays * DAY_MS),
  ]);
  return c.html(
    <DispatchPage
      status={status}
      runs={runs}
      days={days}
      sync={sync}
      now={now}
      waiting={waiting}
      delayDays={delayDays}
    />,
  );
});

adminRoutes.get("/outbox", async (c) => c.html(<OutboxPage messages={await listOutbox(c.env.DB, 200)} />));

adminRoutes.get("/outbox/:id{[0-9]{1,12}}", async (c) => {
  const message = await findOutboxMessage(c.env.DB, Number(c.req.param("id")));
  if (!message) return c.notFound();
  return c.html(<OutboxMessagePage message={message} />);
});

/** The email's own HTML, sandboxed: no scripts, inline styles allowed as mail clients do. */
adminRoutes.get("/outbox/:id{[0-9]{1,12}}/html", async (c) => {
  const message = await findOutboxMessage(c.env.DB, Number(c.req.param("id")));
  if (!message) return c.notFound();
  return c.html(message.html, 200, { "Content-Security-Policy": EMAIL_HTML_CSP });
});

adminRoutes.route("/", eraseRoutes);
adminRoutes.route("/", answersRoutes);
adminRoutes.route("/", reportPreviewRoutes);
adminRoutes.route("/", donationsRoutes);
