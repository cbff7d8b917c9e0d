// Response rate by team, plan and channel: of the month's surveys, the share answered, the same in
// the report, its JSON and CSV, the admin page and the donor's email.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { computeReport } from "../../src/hedgehogs/report-store";
import { renderReportEmail } from "../../src/hedgehogs/report-email";
import { reportText } from "../../src/hedgehogs/report";
import { utcMonth } from "../../src/lib/time";
import { DEFAULT_TEAM } from "../../src/lib/survey-link";
import { BASE, call, deliverQueue, runCron, solvedTicket, storeAnswer, textOf } from "./helpers";
import { resolvedTicket, supportAccount } from "./helpers/posthog-support";

const PLAN_FIELD = 360001;
const TERMS = { hedgehogCostMinor: 500, currency: "GBP", charity: "Herts Wildlife Trust" };

/** The surveys the dispatcher sent, by ticket key, with the team each named. */
async function sentSurveys(): Promise<Array<{ ticket_id: number; team: string }>> {
  const { results } = await env.DB.prepare(
    "SELECT ticket_id, team FROM survey_sends WHERE status = 'sent' ORDER BY ticket_id",
  ).all<{ ticket_id: number; team: string }>();
  return results;
}

describe("response rate by team, plan and channel", () => {
  it("divides the answered surveys by the surveys sent in each group, from both ticket sources", async () => {
    const account = await supportAccount({
      TICKET_SOURCES: "zendesk,posthog-support",
      ZENDESK_PLAN_FIELD_ID: String(PLAN_FIELD),
    });
    const zendesk = (group: string, plan: string) =>
      solvedTicket(4, { group: { id: group.length, name: group }, custom_fields: [{ id: PLAN_FIELD, value: plan }] });
    const analytics = Array.from({ length: 6 }, () => zendesk("Product analytics", "scale"));
    const billing = Array.from({ length: 2 }, () => zendesk("Billing", "enterprise"));
    // An internal requester is skipped: no survey, so not in any rate.
    const internal = solvedTicket(4, {
      requester: { id: 1, name: "Staff", email: "staff@posthog.com", role: "end-user" },
    });
    const email = Array.from({ length: 5 }, () => resolvedTicket(2));
    const widget = resolvedTicket(2, { channel_source: "widget" });
    await account.seed([...analytics, ...billing, internal]);
    await account.seedSupport([...email, widget]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued, account.env);
    const sent = await sentSurveys();
    expect(sent).toHaveLength(14);

    // Answered: 3 of 6 Product analytics, 1 of 2 Billing, 4 of 5 email and the widget ticket.
    const keyOf = async (uuid: string) =>
      (await env.DB.prepare("SELECT ticket_key FROM posthog_support_tickets WHERE ticket_uuid = ?")
        .bind(uuid)
        .first<{ ticket_key: number }>())!.ticket_key;
    const answered = [
      ...analytics.slice(0, 3).map((t) => t.id),
      billing[0]!.id,
      ...(await Promise.all([...email.slice(0, 4), widget].map((t) => keyOf(t.id)))),
    ];
    for (const ticketId of answered) {
      // The team the survey's link carries: the ticket's group, else the default (as the email builds it).
      const team = sent.find((s) => s.ticket_id === ticketId)!.team ?? DEFAULT_TEAM;
      await storeAnswer({ ticketId, team, rating: 5, at: Date.now() });
    }
    // An answer to a ticket never surveyed this month counts in no rate.
    await storeAnswer({ ticketId: 9_999_991, team: "Product analytics", rating: 4, at: Date.now() });

    const month = utcMonth(Date.now());
    const report = await computeReport(env.DB, month, TERMS);
    const rows = (dimension: "team" | "plan" | "channel") =>
      report.responseRates![dimension].map((g) => [g.label, g.sent, g.answered, g.rate]);
    expect(rows("team")).toEqual([
      ["Product analytics", 6, 3, 0.5],
      ["Support", 6, 5, 5 / 6],
      ["Billing", 2, 1, null],
    ]);
    expect(rows("plan")).toEqual([
      ["Scale", 6, 3, 0.5],
      ["Enterprise", 2, 1, null],
      ["No plan set", 6, 5, 5 / 6],
    ]);
    expect(rows("channel")).toEqual([
      ["Zendesk (channel not recorded)", 8, 4, 0.5],
      ["Email", 5, 4, 0.8],
      ["Widget", 1, 1, null],
    ]);

    // The JSON, the CSV, the admin page and the donor's email show the same figures.
    const admin = (path: string) =>
      call(
        new Request(`${BASE}${path}`, { headers: { authorization: `Bearer ${account.env.ADMIN_TOKEN}` } }),
        account.env,
      );
    const json = await (await admin(`/admin/report.json?month=${month}`)).json<any>();
    expect(json.responseRates.channel[1]).toMatchObject({ key: "email", sent: 5, answered: 4, rate: 0.8 });
    const csv = await (await admin(`/admin/report.csv?month=${month}`)).text();
    expect(csv).toContain("month,breakdown,group,answers,csat,mean_rating,surveys_sent,answered,response_rate\r\n");
    expect(csv).toContain(`${month},response_rate_by_team,Support,,,,6,5,0.8333\r\n`);
    expect(csv).toContain(`${month},response_rate_by_channel,Widget,,,,1,1,\r\n`);
    const page = textOf(await (await admin(`/admin?month=${month}`)).text());
    expect(page).toContain("Response rate by plan Group Surveys sent Answered Response rate Scale 6 3 50.0%");
    expect(page).toContain("Enterprise 2 1 too few");
    const mail = renderReportEmail(report);
    expect(textOf(mail.html)).toContain(
      "Response rate by channel Group Surveys sent Answered Response rate Zendesk (channel not recorded) 8 4 50.0% Email 5 4 80.0%",
    );
    expect(reportText(report)).toContain("  Support: surveys sent 6, answered 5, response rate 83.3%");
  });
});
