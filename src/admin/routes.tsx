import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { settingsOf, type Settings } from "../config";
import { isMonth, monthRange, monthsEnding } from "../hedgehogs/report";
import { computeReport, csatByTeamAndMonth, findStoredReport, hedgehogsByMonth } from "../hedgehogs/report-store";
import { csv } from "./csv";
import { deletePostHogPersons } from "../services/posthog-persons";
import { erasePerson } from "./erasure";
import { DataRightsPage, LowRatingsPage, ReportPage } from "./report-views";
import { recentLowRatings, responsesBetween } from "./responses-queries";
import { isSameOriginPost } from "../lib/http";
import { DAY_MS, utcMonth } from "../lib/time";
import { ADMIN_COOKIE, requireAdmin, sameSecret } from "./auth";
import { dispatchStatus, recentJobRuns } from "./dispatch-status";
import { readSyncStates } from "../dispatch/candidates-store";
import { findOutboxMessage, listOutbox } from "./outbox-store";
import { DispatchPage, OutboxMessagePage, OutboxPage, SignInPage } from "./views";

export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use("*", requireAdmin);

// Admin forms only ever post from admin pages.
adminRoutes.use("*", async (c, next) => {
  if (c.req.method === "POST") {
    const own = [new URL(c.req.url).origin, new URL(settingsOf(c.env).publicBaseUrl).origin];
    if (!isSameOriginPost(c.req.raw.headers, own)) return c.json({ error: "Cross-site request refused." }, 403);
  }
  await next();
});

adminRoutes.get("/sign-in", (c) => c.html(<SignInPage />));

adminRoutes.post("/sign-in", async (c) => {
  const form = new URLSearchParams(await c.req.text().catch(() => ""));
  const token = form.get("token") ?? "";
  if (token === "" || token.length > 500 || !(await sameSecret(token, settingsOf(c.env).adminToken!))) {
    return c.html(<SignInPage error="That token is not right." />, 401);
  }
  setCookie(c, ADMIN_COOKIE, token, {
    path: "/admin",
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Strict",
    maxAge: 12 * 3600,
  });
  return c.redirect("/admin", 303);
});

adminRoutes.post("/sign-out", (c) => {
  deleteCookie(c, ADMIN_COOKIE, { path: "/admin" });
  return c.redirect("/admin/sign-in", 303);
});

function donationTerms(settings: Settings) {
  return {
    hedgehogCostMinor: settings.donation.hedgehogCost,
    currency: settings.donation.currency,
    charity: settings.donation.charity,
  };
}

const badRequest = (c: Context<AppEnv>, message: string) => c.json({ error: message }, 400);

adminRoutes.get("/", async (c) => {
  const settings = settingsOf(c.env);
  const now = Date.now();
  const current = utcMonth(now);
  const month = c.req.query("month") ?? current;
  if (!isMonth(month)) return badRequest(c, "month must look like 2026-10");
  const chartMonths = monthsEnding(current, 24);
  const csatMonths = chartMonths.slice(-12);
  const [report, stored, hedgehogSeries, csatRows] = await Promise.all([
    computeReport(c.env.DB, month, donationTerms(settings)),
    findStoredReport(c.env.DB, month),
    hedgehogsByMonth(c.env.DB, chartMonths[0]!),
    csatByTeamAndMonth(c.env.DB, monthRange(csatMonths[0]!).start),
  ]);
  const byMonth = new Map(hedgehogSeries.map((h) => [h.month, h.hedgehogs]));
  const teams = [...new Set(csatRows.map((r) => r.team))].sort();
  const cell = new Map(csatRows.map((r) => [`${r.month}|${r.team}`, r]));
  return c.html(
    <ReportPage
      report={report}
      months={[...chartMonths].reverse()}
      emailedAt={stored?.emailed_at ?? null}
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
  return c.json({ ...report, emailedAt: stored?.emailed_at ? new Date(stored.emailed_at).toISOString() : null });
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
      r.ticket_id,
      r.team,
      r.rating,
      r.comment,
      r.distinct_id,
      r.initial_target_area,
      new Date(r.first_submitted_at).toISOString(),
      new Date(r.updated_at).toISOString(),
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

adminRoutes.get("/erase", (c) => c.html(<DataRightsPage />));

const EraseSchema = v.pipe(
  v.object({
    email: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.transform((s) => s || undefined),
        v.optional(v.pipe(v.string(), v.email("that is not an email address"), v.maxLength(254))),
      ),
    ),
    distinct_id: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.maxLength(200, "the distinct id is too long"),
        v.transform((s) => s || undefined),
      ),
    ),
  }),
  v.check((x) => x.email !== undefined || x.distinct_id !== undefined, "give an email address or a distinct id"),
);

/** Erasure by email or distinct id; answers with what changed (form or JSON in, page or JSON out). */
adminRoutes.post(
  "/erase",
  bodyLimit({ maxSize: 4096, onError: (c) => c.json({ error: "request too large" }, 413) }),
  async (c) => {
    const isJson = (c.req.header("content-type") ?? "").includes("application/json");
    let input: unknown;
    try {
      input = isJson ? await c.req.json() : Object.fromEntries(new URLSearchParams(await c.req.text()));
    } catch {
      return badRequest(c, "the body must be JSON or a form");
    }
    const parsed = v.safeParse(EraseSchema, input);
    if (!parsed.success) {
      const message = parsed.issues[0].message;
      return isJson ? badRequest(c, message) : c.html(<DataRightsPage error={`Nothing erased: ${message}.`} />, 400);
    }
    const { distinctIds, ...result } = await erasePerson(
      c.env.DB,
      { email: parsed.output.email, distinctId: parsed.output.distinct_id },
      Date.now(),
    );
    const ph = settingsOf(c.env).posthog;
    const posthog =
      ph.personalApiKey && ph.projectId
        ? await deletePostHogPersons(
            { appHost: ph.appHost, projectId: ph.projectId, personalApiKey: ph.personalApiKey },
            distinctIds,
            fetch,
          )
        : "PostHog not asked (set POSTHOG_PERSONAL_API_KEY and POSTHOG_PROJECT_ID to delete there too)";
    // The log says what was done, never to whom.
    console.log(`erasure: ${JSON.stringify({ ...result, posthog })}`);
    if (isJson) return c.json({ ...result, posthog });
    return c.html(
      <DataRightsPage
        result={`Erased: ${result.responses} answers, ${result.candidates} tickets, ${result.outboxMessages} outbox emails; ${result.suppressedAddresses} addresses suppressed. ${posthog}.`}
      />,
    );
  },
);

adminRoutes.get("/dispatch", async (c) => {
  const days = 30;
  const [status, runs, sync] = await Promise.all([
    dispatchStatus(c.env.DB, Date.now() - days * DAY_MS),
    recentJobRuns(c.env.DB, 20),
    readSyncStates(c.env.DB),
  ]);
  return c.html(<DispatchPage status={status} runs={runs} days={days} sync={sync} now={Date.now()} />);
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
  return c.html(message.html, 200, {
    "Content-Security-Policy":
      "sandbox allow-popups allow-top-navigation-by-user-activation; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
  });
});
