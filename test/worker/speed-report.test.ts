// Issue 12: "is it our speed?" — the report's breakdowns on a seeded month, small groups as counts only.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildBreakdowns, speedFinding } from "../../src/hedgehogs/breakdowns";
import { computeReport } from "../../src/hedgehogs/report-store";
import { renderReportEmail } from "../../src/hedgehogs/report-email";
import { reportText } from "../../src/hedgehogs/report";
import { ADMIN_TOKEN, BASE, call, solvedTicket, storeAnswer, syncedTickets } from "./helpers";

const MONTH = "2019-03";
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

const PLAN_FIELD = 360001;
// A Monday 09:00 UTC: a first reply 1 hour later meets Scale's and Enterprise's targets (24 h, 8 h),
// one 50 weekday hours later (Wednesday 11:00) misses both.
const CREATED = "2026-01-05T09:00:00Z";
const REPLY_MINUTES = { met: 60, missed: 50 * 60 };

/**
 * Answers in March 2019 to tickets whose context (plan, first reply against its target, reopens,
 * assignee) comes from the Zendesk stand-in through the sync, as in production. Rows: (plan, target
 * met, reopens, assignee, ratings); a ticket without a plan has no target.
 */
async function seed(rows: Array<[string | null, 0 | 1 | null, number, number | null, number[]]>) {
  const answers: Array<{ ticketId: number; rating: number }> = [];
  const tickets = rows.flatMap(([plan, met, reopens, assignee, ratings]) =>
    ratings.map((rating) => {
      // Solved a day ago: synced, but no survey is due yet.
      const ticket = solvedTicket(1, {
        created_at: CREATED,
        custom_fields: plan === null ? [] : [{ id: PLAN_FIELD, value: plan }],
        assignee: assignee === null ? null : { id: assignee, name: `Agent ${assignee}` },
        metrics: {
          reply_minutes: met === null ? null : met === 1 ? REPLY_MINUTES.met : REPLY_MINUTES.missed,
          reopens,
        },
      });
      answers.push({ ticketId: ticket.id, rating });
      return ticket;
    }),
  );
  await syncedTickets(tickets, { ZENDESK_PLAN_FIELD_ID: String(PLAN_FIELD) });
  for (const { ticketId, rating } of answers) {
    await storeAnswer({ ticketId, team: "Support", rating, at: Date.UTC(2019, 2, 1 + (ticketId % 28)) });
  }
}

describe("breakdowns", () => {
  it("roll up by plan, target, reopened and assignee, with small groups as counts only", async () => {
    await seed([
      ["scale", 1, 0, 1, [5, 5, 5, 4, 4, 4, 3, 5, 5, 5, 5, 4]], // 12 answers, met: 11 of 12 satisfied
      ["scale", 0, 1, 2, [1, 2, 5, 4, 2, 3]], // 6 answers, missed: 2 of 6 satisfied
      ["enterprise", 0, 0, 2, [5, 1]], // 2 answers: too few on their own
      [null, null, 0, null, [4, 4, 4]], // no plan and no assignee on the tickets
    ]);
    const report = await computeReport(env.DB, MONTH, { hedgehogCostMinor: 500, currency: "GBP", charity: "Herts" });
    const b = report.breakdowns!;
    expect(b.plan.map((g) => [g.key, g.responses, g.small])).toEqual([
      ["scale", 18, false],
      ["enterprise", 2, true],
      [null, 3, true],
    ]);
    expect(b.plan[0]!.csat).toBeCloseTo(13 / 18);
    expect(b.plan[1]).toMatchObject({ csat: null, meanRating: null, label: "Enterprise" });
    expect(b.target.map((g) => [g.key, g.responses])).toEqual([
      ["met", 12],
      ["missed", 8],
      [null, 3],
    ]);
    expect(b.target[0]!.csat).toBeCloseTo(11 / 12);
    expect(b.target[1]!.csat).toBeCloseTo(3 / 8);
    expect(b.reopened.map((g) => [g.key, g.responses])).toEqual([
      ["not-reopened", 17],
      ["reopened", 6],
    ]);
    expect(b.assignee.map((g) => [g.label, g.responses])).toEqual([
      ["Agent 1", 12],
      ["Agent 2", 8],
      ["Unassigned, or not known", 3],
    ]);
    expect(report.speedFinding).toBe(
      "CSAT 92% when the first reply met its target, 38% when it missed: 8 answers missed it, 12 answers met it.",
    );
    // The monthly email and its text part carry the finding.
    expect(reportText(report)).toContain(report.speedFinding!);
    expect(renderReportEmail(report).html).toContain("when the first reply met its target");

    const json = await (
      await call(new Request(`${BASE}/admin/report.json?month=${MONTH}`, { headers: auth }))
    ).json<any>();
    expect(json.breakdowns.target[0]).toMatchObject({ key: "met", responses: 12 });
    expect(json.breakdowns.plan[1]).toMatchObject({ key: "enterprise", csat: null, small: true });

    const csvRes = await call(new Request(`${BASE}/admin/report.csv?month=${MONTH}`, { headers: auth }));
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get("content-type")).toContain("text/csv");
    const csv = await csvRes.text();
    expect(csv).toContain("month,breakdown,group,answers,csat,mean_rating,surveys_sent,answered,response_rate\r\n");
    expect(csv).toContain("2019-03,target,Target met,12,0.9167,");
    expect(csv).toContain("2019-03,plan,Enterprise,2,,,,,\r\n");

    const page = await (await call(new Request(`${BASE}/admin?month=${MONTH}`, { headers: auth }))).text();
    expect(page).toContain("Is it our speed?");
    expect(page).toContain("too few");
  });

  it("says so when too few answers had a target to compare", () => {
    const b = buildBreakdowns([
      {
        plan: "scale",
        targetMet: 1,
        reopened: 0,
        assigneeId: 1,
        assigneeName: "A",
        responses: 3,
        satisfied: 3,
        ratingSum: 15,
      },
      {
        plan: "scale",
        targetMet: 0,
        reopened: 0,
        assigneeId: 1,
        assigneeName: "A",
        responses: 9,
        satisfied: 1,
        ratingSum: 20,
      },
    ]);
    expect(speedFinding(b)).toBe(
      "Too few answers to compare CSAT by first-reply target: 3 answers met it, 9 answers missed it.",
    );
    expect(speedFinding(buildBreakdowns([]))).toBeNull();
  });

  it("refuses a malformed month on the CSV with a 400, and needs sign-in", async () => {
    for (const month of ["2019-13", "march", "2019-03-01", "x".repeat(5000)]) {
      const res = await call(
        new Request(`${BASE}/admin/report.csv?month=${encodeURIComponent(month)}`, { headers: auth }),
      );
      expect(res.status).toBe(400);
    }
    const forged = await call(
      new Request(`${BASE}/admin/report.csv?month=${MONTH}`, { headers: { authorization: "Bearer nope-nope-nope" } }),
    );
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
  });
});
