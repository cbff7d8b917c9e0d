import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import {
  BASE,
  call,
  callThenConsume,
  deliverQueue,
  letPacingWindowPass,
  postForm,
  posthog,
  posthogAccepted,
  runCron,
  sendRow,
  solvedTicket,
  storeAnswer,
  textOf,
} from "./helpers";
import { computeReport } from "../../src/hedgehogs/report-store";
import {
  daysAgoIso,
  deliverWebhook,
  resolvedTicket,
  statusChangedEvent,
  supportAccount,
} from "./helpers/posthog-support";

const DAY = 86_400_000;

async function keyOf(uuid: string): Promise<number> {
  const row = await env.DB.prepare("SELECT ticket_key FROM posthog_support_tickets WHERE ticket_uuid = ?")
    .bind(uuid)
    .first<{ ticket_key: number }>();
  expect(row, `ticket ${uuid} is known`).not.toBeNull();
  return row!.ticket_key;
}

async function candidate(uuid: string) {
  return env.DB.prepare("SELECT * FROM candidates WHERE ticket_id = ?")
    .bind(await keyOf(uuid))
    .first<Record<string, any>>();
}

/** The survey link of an email's first face button. */
function firstLink(html: string): URL {
  const href = /href="([^"]+)"/.exec(html.replace(/&amp;/g, "&"))![1]!;
  return new URL(href);
}

describe("PostHog Support: the poll", () => {
  it("finds a ticket a Workflow resolved (no event) and emails its requester once, a day after it was resolved", async () => {
    const account = await supportAccount();
    const due = resolvedTicket(2);
    const early = resolvedTicket(0.5);
    const open = resolvedTicket(3, { status: "open" });
    await account.seedSupport([due, early, open]);

    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const key = await keyOf(due.id);
    expect(key).toBeLessThan(0);
    expect(account.queued).toEqual([{ kind: "survey-email", ticketIds: [key] }]);
    await deliverQueue(account.queued, account.env);

    const sent = await account.resendSent();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual([due.email_from]);
    expect(sent[0]!.subject).toBe(`How did we do with your support ticket #${due.ticket_number}?`);
    const link = firstLink(sent[0]!.html);
    expect(link.searchParams.get("ticket_id")).toBe(due.id);
    expect(link.searchParams.get("ticket_number")).toBe(String(due.ticket_number));
    expect(link.searchParams.get("distinct_id")).toBe(due.distinct_id);
    expect(await sendRow(key)).toMatchObject({ status: "sent" });

    // Only the list was read: resolved tickets by updated_at, and the re-check by number.
    const requests = await account.supportRequests();
    expect(requests.every((r) => r.method === "GET" && r.path.endsWith("/conversations/tickets/"))).toBe(true);
    expect(requests[0]!.query).toMatchObject({ status: "resolved", order_by: "updated_at", limit: "100" });
    expect(requests.some((r) => r.query.search === String(due.ticket_number))).toBe(true);
    expect(requests[0]!.headers.authorization).toBe("Bearer phx_support_key");

    // Later runs list from the newest change stored and send nothing new.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 60_000, account.env);
    expect(account.queued).toHaveLength(1);
    const later = (await account.supportRequests()).filter((r) => r.query.status === "resolved").at(-1)!;
    expect(Date.parse(later.query.date_from!)).toBe(Date.parse(early.updated_at));
  });

  it("keeps the first time a ticket was seen resolved: a later update only makes the survey wait longer, never sooner", async () => {
    const account = await supportAccount();
    const ticket = resolvedTicket(0.5);
    await account.seedSupport([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const first = await candidate(ticket.id);
    expect(first).toMatchObject({
      source: "posthog-support",
      status: "resolved",
      solved_at: Date.parse(ticket.updated_at),
    });
    await account.seedSupport([{ ...ticket, tags: ["billing"], updated_at: new Date().toISOString() }]);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 1000, account.env);
    expect(await candidate(ticket.id)).toMatchObject({ solved_at: Date.parse(ticket.updated_at), tags: '["billing"]' });
    expect(account.queued).toEqual([]);
  });

  it("waits out a 429 for its Retry-After (no early request) and resumes from its position, losing no ticket", async () => {
    const account = await supportAccount();
    const tickets = Array.from({ length: 150 }, (_, i) => resolvedTicket(2 + i / 1000));
    await account.seedSupport(tickets);
    await account.configureSupport({ perMinute: 1 });
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const stats = await account.supportStats();
    expect(stats.rateLimited).toBe(1);
    expect(stats.earlyRequests).toBe(0);
    const position = await env.DB.prepare("SELECT status, detail FROM posthog_support_sync WHERE project LIKE ?")
      .bind(`%/${account.projectId}`)
      .first<{ status: string; detail: string }>();
    expect(position?.status).toBe("throttled");
    expect(position?.detail).toMatch(/429.*Request was throttled/);

    await account.configureSupport({ perMinute: 480 });
    await letPacingWindowPass(`posthog-private:${account.env.POSTHOG_APP_HOST}/${account.projectId}`);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const keys = await Promise.all(tickets.map((t) => keyOf(t.id)));
    expect(new Set(keys).size).toBe(150);
    const claimed = account.queued.flatMap((m) => (m.kind === "survey-email" ? m.ticketIds : []));
    expect(claimed.filter((k) => keys.includes(k)).sort()).toEqual([...keys].sort());
  });

  it("says which setting to fix when the key lacks the ticket:read scope", async () => {
    const account = await supportAccount({ POSTHOG_PERSONAL_API_KEY: "phx_support_no_scope" });
    await account.seedSupport([resolvedTicket(2)]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const state = await env.DB.prepare("SELECT status, detail FROM posthog_support_sync WHERE project LIKE ?")
      .bind(`%/${account.projectId}`)
      .first<{ status: string; detail: string }>();
    expect(state).toMatchObject({ status: "forbidden" });
    expect(state!.detail).toContain("API key missing required scope 'ticket:read'");
    expect(state!.detail).toContain("POSTHOG_PERSONAL_API_KEY needs the ticket:read and ticket:write scopes");
    const page = await call(
      new Request(`${BASE}/admin/dispatch`, {
        headers: { authorization: `Bearer ${account.env.ADMIN_TOKEN}`, "sec-fetch-site": "same-origin" },
      }),
      account.env,
    );
    const text = textOf(await page.text());
    expect(text).toContain(`PostHog Support poll: forbidden (${account.env.POSTHOG_APP_HOST}/${account.projectId}`);
    expect(text).toContain("API key missing required scope 'ticket:read'");
  });
});

describe("PostHog Support: the Workflow webhook", () => {
  it("records a resolved ticket at the event's time; push and poll of one ticket are one ticket, the earlier time counting", async () => {
    const account = await supportAccount();
    const ticket = resolvedTicket(1.5);
    await account.seedSupport([ticket]);
    const resolvedAt = daysAgoIso(2);
    const response = await deliverWebhook(account.env, statusChangedEvent(ticket, { at: resolvedAt }));
    expect(response.status).toBe(200);
    expect(await candidate(ticket.id)).toMatchObject({ status: "resolved", solved_at: Date.parse(resolvedAt) });

    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM posthog_support_tickets WHERE ticket_uuid = ?")
      .bind(ticket.id)
      .first<{ n: number }>())!;
    expect(n).toBe(1);
    expect(await candidate(ticket.id)).toMatchObject({ solved_at: Date.parse(resolvedAt) });
    await deliverQueue(account.queued, account.env);
    expect(await account.resendSent()).toHaveLength(1);
  });

  it("sends no survey for a ticket reopened within the delay, and records why", async () => {
    const account = await supportAccount();
    const ticket = resolvedTicket(0, { updated_at: new Date().toISOString() });
    await account.seedSupport([ticket]);
    expect((await deliverWebhook(account.env, statusChangedEvent(ticket))).status).toBe(200);
    await account.seedSupport([{ ...ticket, status: "open", updated_at: new Date(Date.now() + 1000).toISOString() }]);

    await runCron(EVERY_TEN_MINUTES, Date.now() + 1.1 * DAY, { ...account.env, TICKET_SOURCES: "posthog-support" });
    await deliverQueue(account.queued, account.env);
    expect(await account.resendSent()).toEqual([]);
    expect(await sendRow(await keyOf(ticket.id))).toMatchObject({
      status: "skipped",
      reason: "ticket was reopened (open) before the survey was sent",
    });
  });

  it("takes a delivery once by its webhook-id: a retried delivery records nothing twice", async () => {
    const account = await supportAccount();
    const ticket = resolvedTicket(2);
    await account.seedSupport([ticket]);
    const event = statusChangedEvent(ticket, { at: daysAgoIso(2) });
    const first = await deliverWebhook(account.env, event, { id: "msg_retried" });
    const again = await deliverWebhook(account.env, event, { id: "msg_retried" });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued, account.env);
    expect(await account.resendSent()).toHaveLength(1);
  });

  it.each([
    ["a wrong signature", { signature: "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }, 401],
    ["a signature made with another secret", { secret: `whsec_${btoa("another secret of thirty-two b")}` }, 401],
    ["no signature", { signature: null }, 401],
    ["a timestamp ten minutes old", { timestamp: Math.floor(Date.now() / 1000) - 600 }, 400],
    ["a timestamp ten minutes ahead", { timestamp: Math.floor(Date.now() / 1000) + 600 }, 400],
    ["a body that is not JSON", { body: "event=resolved" }, 400],
    ["a body without the event", { body: JSON.stringify({ person: {} }) }, 400],
  ])("refuses %s and records nothing", async (_what, delivery, status) => {
    const account = await supportAccount();
    const ticket = resolvedTicket(2);
    const response = await deliverWebhook(account.env, statusChangedEvent(ticket), delivery);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error.length).toBeGreaterThan(5);
    const row = await env.DB.prepare("SELECT 1 FROM posthog_support_tickets WHERE ticket_uuid = ?")
      .bind(ticket.id)
      .first();
    expect(row).toBeNull();
  });

  it("ignores another event or a status other than resolved with 202", async () => {
    const account = await supportAccount();
    const ticket = resolvedTicket(2);
    const pending = await deliverWebhook(account.env, statusChangedEvent(ticket, { to: "pending" }));
    expect(pending.status).toBe(202);
    const created = await deliverWebhook(account.env, {
      ...statusChangedEvent(ticket),
      event: "$conversation_ticket_created",
    });
    expect(created.status).toBe(202);
    const row = await env.DB.prepare("SELECT 1 FROM posthog_support_tickets WHERE ticket_uuid = ?")
      .bind(ticket.id)
      .first();
    expect(row).toBeNull();
  });

  it("answers 404 where no webhook secret is set", async () => {
    const account = await supportAccount({ POSTHOG_SUPPORT_WEBHOOK_SECRET: "" });
    const response = await deliverWebhook(account.env, statusChangedEvent(resolvedTicket(1)));
    expect(response.status).toBe(404);
  });
});

describe("PostHog Support: eligibility", () => {
  it("sends no email survey for a ticket from a Slack or Teams thread, and records the channel as the reason", async () => {
    const account = await supportAccount();
    const slack = resolvedTicket(2, { channel_source: "slack" });
    const teams = resolvedTicket(2, { channel_source: "teams" });
    await account.seedSupport([slack, teams]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(account.queued).toEqual([]);
    expect(await sendRow(await keyOf(slack.id))).toMatchObject({
      status: "skipped",
      reason: "channel: slack (the customer spoke in a chat thread)",
    });
    expect(await sendRow(await keyOf(teams.id))).toMatchObject({
      reason: "channel: teams (the customer spoke in a chat thread)",
    });
  });

  it("reaches a widget customer at the address they gave (anonymous_traits.email)", async () => {
    const account = await supportAccount();
    const ticket = resolvedTicket(2, {
      channel_source: "widget",
      email_from: null,
      anonymous_traits: { email: "widget.user@example.org", name: "Wid Get" },
    });
    await account.seedSupport([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued, account.env);
    const sent = await account.resendSent();
    expect(sent.map((e) => e.to)).toEqual([["widget.user@example.org"]]);
  });
});

describe("PostHog Support and Zendesk at once", () => {
  it("keeps a Zendesk ticket and a PostHog Support ticket with the same number apart, in sends and answers", async () => {
    const account = await supportAccount({ TICKET_SOURCES: "zendesk,posthog-support" });
    const zendesk = solvedTicket(4);
    const posthog = resolvedTicket(2, { ticket_number: zendesk.id });
    await account.seed([zendesk]);
    await account.seedSupport([posthog]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const key = await keyOf(posthog.id);
    expect(account.queued.flatMap((m) => (m.kind === "survey-email" ? m.ticketIds : [])).sort()).toEqual(
      [key, zendesk.id].sort(),
    );
    await deliverQueue(account.queued, account.env);
    const sent = await account.resendSent();
    expect(sent.map((e) => e.subject).sort()).toEqual([
      `How did we do with your support ticket #${zendesk.id}?`,
      `How did we do with your support ticket #${zendesk.id}?`,
    ]);
    expect(new Set(sent.map((e) => e.to[0]))).toEqual(new Set([zendesk.requester.email, posthog.email_from]));

    // Each link opens its own ticket's survey; the PostHog one is answered under its own key.
    const posthogEmail = sent.find((e) => e.to[0] === posthog.email_from)!;
    const link = firstLink(posthogEmail.html);
    const page = await call(new Request(`${BASE}/${link.search}`));
    expect(page.status).toBe(200);
    expect(textOf(await page.text())).toContain(`Support ticket #${posthog.ticket_number}`);
    const form = new URLSearchParams(link.search);
    form.set("rating", "5");
    const answer = await callThenConsume(postForm(form), account.env);
    expect(answer.status).toBeLessThan(400);
    // PostHog gets the answer under PostHog's own name for the ticket, with its channel and priority.
    const sentEvent = (await posthogAccepted()).find(
      (e) => e.event === "survey sent" && e.properties.ticketId === posthog.id,
    );
    expect(sentEvent?.properties).toMatchObject({
      ticketSource: "posthog-support",
      ticketNumber: posthog.ticket_number,
      channel: "email",
      priority: "medium",
      $survey_response: 5,
    });
    const rows = await env.DB.prepare("SELECT ticket_id, rating FROM responses WHERE ticket_id IN (?, ?)")
      .bind(key, zendesk.id)
      .all<{ ticket_id: number; rating: number }>();
    expect(rows.results).toEqual([{ ticket_id: key, rating: 5 }]);
  });
});

describe("PostHog Support: the rating on the ticket", () => {
  it("tags the ticket csat_<rating>, keeping a tag an agent added while the product read the ticket", async () => {
    const account = await supportAccount();
    const ticket = resolvedTicket(2, { tags: ["billing", "csat_2"] });
    await account.seedSupport([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued, account.env);
    const [email] = await account.resendSent();
    const link = firstLink(email!.html);

    // The agent adds "vip" after the product's first read of the ticket: that read still shows the old list.
    await account.seedSupport([{ ...ticket, tags: ["billing", "csat_2", "vip"] }]);
    const stale = {
      count: 1,
      next: null,
      previous: null,
      results: [{ ...(await account.supportTickets())[0], tags: ["billing", "csat_2"] }],
    };
    await posthog.script([
      {
        method: "GET",
        path: `/api/projects/${account.projectId}/conversations/tickets/`,
        status: 200,
        body: stale,
        times: 1,
      },
    ]);

    const form = new URLSearchParams(link.search);
    form.set("rating", "5");
    const answer = await callThenConsume(postForm(form), account.env);
    expect(answer.status).toBeLessThan(400);

    const [now] = await account.supportTickets();
    expect(now!.tags).toEqual(["billing", "vip", "csat_5"]);
    const patches = (await account.supportRequests()).filter((r) => r.method === "PATCH");
    expect(patches).toHaveLength(1);
    expect(patches[0]!.path).toBe(`/api/projects/${account.projectId}/conversations/tickets/${ticket.id}/`);
    expect(patches[0]!.body).toEqual({ tags: ["billing", "vip", "csat_5"] });
    const row = await env.DB.prepare(
      "SELECT status FROM answer_followups WHERE ticket_id = ? AND kind = 'ticket-rating'",
    )
      .bind(await keyOf(ticket.id))
      .first<{ status: string }>();
    expect(row?.status).toBe("done");
  });
});

describe("PostHog Support: links PostHog's own Workflow emails carry", () => {
  const linkOf = (t: { id: string; ticket_number: number }, distinctId: string) =>
    `${BASE}/?${new URLSearchParams({ distinct_id: distinctId, ticket_id: t.id, ticket_number: String(t.ticket_number) })}`;

  it("accepts an unsigned link once PostHog Support says the ticket is resolved and the customer is its requester", async () => {
    const account = await supportAccount({ UNSIGNED_LINKS: "verify" });
    const resolved = resolvedTicket(1);
    const open = resolvedTicket(1, { status: "open" });
    await account.seedSupport([resolved, open]);
    const env = account.env;

    const page = await call(new Request(linkOf(resolved, String(resolved.distinct_id))), env);
    expect(page.status).toBe(200);
    expect(textOf(await page.text())).toContain(`Support ticket #${resolved.ticket_number}`);
    expect((await call(new Request(linkOf(resolved, "someone-else")), env)).status).toBe(403);
    expect((await call(new Request(linkOf(open, String(open.distinct_id))), env)).status).toBe(409);
    const unknown = { id: crypto.randomUUID(), ticket_number: 999_999 };
    expect((await call(new Request(linkOf(unknown, "x")), env)).status).toBe(404);

    // The answer is stored under the ticket's key, as the form posts back the link it came with.
    const form = new URLSearchParams(new URL(linkOf(resolved, String(resolved.distinct_id))).search);
    form.set("rating", "4");
    expect((await call(postForm(form), env)).status).toBeLessThan(400);
    const stored = await env.DB.prepare("SELECT rating, verified_by FROM responses WHERE ticket_id = ?")
      .bind(await keyOf(resolved.id))
      .first();
    expect(stored).toMatchObject({ rating: 4 });
    // Looked up through the list, by number: never the single-ticket GET.
    const reads = await account.supportRequests();
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.path.endsWith("/conversations/tickets/") && r.query.search !== undefined)).toBe(true);
  });
});

describe("PostHog Support in the monthly report", () => {
  it("breaks CSAT down by channel, priority and SLA for PostHog Support tickets, beside the existing breakdowns", async () => {
    const month = "2031-03";
    const at = Date.parse(`${month}-10T12:00:00Z`);
    const account = await supportAccount();
    const resolvedAt = Date.now() - 2 * DAY;
    // Five email tickets of high priority resolved before their SLA, rated 5; five widget ones, low priority, after it, rated 2.
    const kept = Array.from({ length: 5 }, () =>
      resolvedTicket(2, {
        channel_source: "email",
        priority: "high",
        sla_due_at: new Date(resolvedAt + DAY).toISOString(),
      }),
    );
    const missed = Array.from({ length: 5 }, () =>
      resolvedTicket(2, {
        channel_source: "widget",
        priority: "low",
        sla_due_at: new Date(resolvedAt - DAY).toISOString(),
      }),
    );
    await account.seedSupport([...kept, ...missed]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), { ...account.env, SURVEY_EMAILS: "off" });
    for (const [i, t] of [...kept, ...missed].entries())
      await storeAnswer({ ticketId: await keyOf(t.id), team: "Support", rating: i < 5 ? 5 : 2, at: at + i * 60_000 });

    const report = await computeReport(env.DB, month, {
      hedgehogCostMinor: 500,
      currency: "GBP",
      charity: "Suffolk Prickles",
    });
    expect(report.breakdowns).toBeDefined();
    const figures = (rows: Array<{ label: string; responses: number; csat: number | null }>) =>
      rows.map(({ label, responses, csat }) => ({ label, responses, csat }));
    expect(figures(report.posthogSupport!.channel)).toEqual([
      { label: "Email", responses: 5, csat: 1 },
      { label: "Widget", responses: 5, csat: 0 },
    ]);
    expect(figures(report.posthogSupport!.priority)).toEqual([
      { label: "High", responses: 5, csat: 1 },
      { label: "Low", responses: 5, csat: 0 },
    ]);
    expect(figures(report.posthogSupport!.sla)).toEqual([
      { label: "Resolved before its SLA", responses: 5, csat: 1 },
      { label: "Resolved after its SLA", responses: 5, csat: 0 },
    ]);
  });
});

describe("erasure across both sources", () => {
  it("erases a person's Zendesk and PostHog Support tickets and answers, and the next poll brings nothing back", async () => {
    const account = await supportAccount({ TICKET_SOURCES: "zendesk,posthog-support", SURVEY_EMAILS: "off" });
    const email = `both.${crypto.randomUUID().slice(0, 8)}@example.org`;
    const zendesk = solvedTicket(1);
    zendesk.requester = { ...zendesk.requester, email };
    const posthogTicket = resolvedTicket(0.5, { email_from: email, person: null });
    await account.seed([zendesk]);
    await account.seedSupport([posthogTicket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const key = await keyOf(posthogTicket.id);
    await storeAnswer({ ticketId: key, team: "Support", rating: 2, comment: "private words", at: Date.now() });
    await storeAnswer({ ticketId: zendesk.id, team: "Support", rating: 3, comment: "more words", at: Date.now() });

    await account.eraseByEmail(email);
    const rows = await env.DB.prepare(
      "SELECT ticket_id, requester_email FROM candidates WHERE ticket_id IN (?, ?) ORDER BY ticket_id",
    )
      .bind(key, zendesk.id)
      .all();
    expect(rows.results).toEqual([
      { ticket_id: key, requester_email: null },
      { ticket_id: zendesk.id, requester_email: null },
    ]);
    const answers = await env.DB.prepare("SELECT comment, distinct_id FROM responses WHERE ticket_id IN (?, ?)")
      .bind(key, zendesk.id)
      .all();
    expect(answers.results).toEqual([
      { comment: null, distinct_id: null },
      { comment: null, distinct_id: null },
    ]);

    // The poll reads its newest ticket again (date_from is inclusive): the same version brings nothing back.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 1000, account.env);
    expect(await candidate(posthogTicket.id)).toMatchObject({ requester_email: null });
  });
});
