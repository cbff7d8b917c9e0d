// A PostHog Support ticket is shown by its number, linked to its page in PostHog, wherever the admin
// area names a ticket: the answers, the low ratings and the responses CSV (never by the product's key).
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { BASE, call, runCron, solvedTicket, storeAnswer, textOf } from "./helpers";
import { resolvedTicket, supportAccount } from "./helpers/posthog-support";

describe("tickets in the admin area", () => {
  it("shows a PostHog Support ticket by its number with a link to PostHog, and a Zendesk ticket as before", async () => {
    const account = await supportAccount({ TICKET_SOURCES: "zendesk,posthog-support" });
    const zendesk = solvedTicket(4);
    const posthogTicket = resolvedTicket(2, { ticket_number: 4321 });
    await account.seed([zendesk]);
    await account.seedSupport([posthogTicket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const key = (await env.DB.prepare("SELECT ticket_key FROM posthog_support_tickets WHERE ticket_uuid = ?")
      .bind(posthogTicket.id)
      .first<{ ticket_key: number }>())!.ticket_key;
    const at = Date.parse("2016-05-10T10:00:00Z");
    await storeAnswer({ ticketId: key, team: "Support", rating: 1, comment: "slow", at });
    await storeAnswer({ ticketId: zendesk.id, team: "Product analytics", rating: 2, at: at + 60_000 });

    const admin = async (path: string) =>
      (
        await call(
          new Request(`${BASE}${path}`, { headers: { authorization: `Bearer ${account.env.ADMIN_TOKEN}` } }),
          account.env,
        )
      ).text();
    const posthogLink = `<a href="${inject("posthogUrl")}/project/${account.projectId}/support/tickets/4321" rel="noreferrer" target="_blank">PostHog #4321</a>`;
    const zendeskLink = `<a href="${account.env.ZENDESK_BASE_URL}/agent/tickets/${zendesk.id}" rel="noreferrer" target="_blank">#${zendesk.id}</a>`;
    for (const path of ["/admin/answers?month=2016-05", "/admin/low-ratings"]) {
      const html = await admin(path);
      expect(html, path).toContain(posthogLink);
      expect(html, path).toContain(zendeskLink);
      expect(textOf(html).split(/\s+/), path).not.toContain(String(key)); // the key is no word on the page
    }

    const csv = (await admin("/admin/responses.csv?from=2016-05-01&to=2016-05-31")).trim().split("\r\n");
    expect(csv[1]).toMatch(/^4321,Support,1,slow,.*,posthog-support$/);
    expect(csv[2]).toMatch(new RegExp(`^${zendesk.id},Product analytics,2,,.*,zendesk$`));
  });

  it("names a PostHog Support ticket without a link when POSTHOG_PROJECT_ID is not set", async () => {
    const account = await supportAccount();
    const posthogTicket = resolvedTicket(2, { ticket_number: 777 });
    await account.seedSupport([posthogTicket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const key = (await env.DB.prepare("SELECT ticket_key FROM posthog_support_tickets WHERE ticket_uuid = ?")
      .bind(posthogTicket.id)
      .first<{ ticket_key: number }>())!.ticket_key;
    await storeAnswer({ ticketId: key, team: "Support", rating: 2, at: Date.parse("2016-06-10T10:00:00Z") });
    const html = await (
      await call(
        new Request(`${BASE}/admin/low-ratings`, { headers: { authorization: `Bearer ${account.env.ADMIN_TOKEN}` } }),
        { ...account.env, POSTHOG_PROJECT_ID: "" },
      )
    ).text();
    expect(html).toContain("<td>PostHog #777</td>");
  });
});
