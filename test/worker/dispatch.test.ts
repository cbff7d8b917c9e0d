import { listOutbox } from "../../src/admin/outbox-store";
import { crashBefore } from "./helpers/crash";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { suppress } from "../../src/dispatch/suppressions-store";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { parseSurveyLink, checkSurveyLink } from "../../src/lib/survey-link";
import { addressOf, call, deliverQueue, dispatchAccount, fake, runCron, sendRow, solvedTicket } from "./helpers";

describe("the dispatcher", () => {
  it("emails the requester of a ticket solved 3 days ago exactly once, and not one solved 2 days ago", async () => {
    const account = await dispatchAccount();
    const due = solvedTicket(3.01);
    const early = solvedTicket(2);
    await account.seed([due, early]);

    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(account.queued).toEqual([{ kind: "survey-email", ticketIds: [due.id] }]);
    const result = await deliverQueue(account.queued, account.env);
    expect(result.explicitAcks).toHaveLength(1);

    const sent = await account.resendSent();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual([due.requester.email]);
    expect(sent[0]!.subject).toBe(`How did we do with your support ticket #${due.id}?`);
    expect(await sendRow(due.id)).toMatchObject({
      status: "sent",
      provider: "resend",
      provider_message_id: sent[0]!.id,
    });
    expect(await sendRow(early.id)).toBeNull();

    // Later runs find nothing new to send.
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await runCron(EVERY_TEN_MINUTES, Date.now() + 60_000, account.env);
    expect(account.queued).toHaveLength(1);
    expect(await account.resendSent()).toHaveLength(1);
  });

  it("sends the email Resend expects: batch endpoint, bearer key, User-Agent and an idempotency key from the tickets", async () => {
    const account = await dispatchAccount();
    const tickets = [solvedTicket(4), solvedTicket(5)];
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued, account.env);
    const requests = await account.resendRequests();
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`/t/${account.name}/emails/batch`);
    expect(req.headers.authorization).toBe("Bearer re_test_key");
    expect(req.headers["user-agent"]).toMatch(/^hedgehog-csat\//);
    expect(req.headers["idempotency-key"]).toMatch(/^[\w-]{8,256}$/);
    expect(req.headers["x-batch-validation"]).toBe("permissive");
    const body = req.body as Array<Record<string, any>>;
    expect(body).toHaveLength(2);
    for (const email of body) {
      expect(email.headers["List-Unsubscribe"]).toMatch(
        /^<https:\/\/survey\.example\.test\/unsubscribe\?t=\d+&sig=[\w-]{43}>$/,
      );
      expect(email.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      expect(email.html).toContain("Unsubscribe");
      expect(email.text).toContain("Very satisfied:");
    }
  });

  it("puts five signed one-click links in the email that open the survey with that face chosen", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(3.5);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued, account.env);
    const [email] = await account.resendSent();
    const links = [...email!.html.matchAll(/href="(https:\/\/survey\.example\.test\/\?[^"]+)"/g)].map((m) =>
      m[1]!.replace(/&amp;/g, "&"),
    );
    expect(links).toHaveLength(5);
    for (const [i, link] of links.entries()) {
      const parsed = parseSurveyLink(Object.fromEntries(new URL(link).searchParams));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.link).toMatchObject({
        ticketId: ticket.id,
        distinctId: ticket.requester.external_id,
        team: "Product analytics",
        rating: i + 1,
      });
      expect(await checkSurveyLink(parsed.link, env.SURVEY_LINK_SECRET!, new Date())).toBe("valid");
      const page = await call(new Request(link));
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`value="${i + 1}" checked=""`);
    }
  });

  it("skips tickets it must not survey, recording each reason", async () => {
    const account = await dispatchAccount();
    const shared = "twice@example.org";
    const tickets = {
      spam: solvedTicket(4, { tags: ["billing", "spam"] }),
      noCsat: solvedTicket(4, { tags: ["NO_CSAT"] }),
      agent: solvedTicket(4),
      internal: solvedTicket(4),
      noEmail: solvedTicket(4),
      unsubscribed: solvedTicket(4),
      first: solvedTicket(5),
      throttled: solvedTicket(4),
    };
    tickets.agent.requester.role = "agent";
    tickets.internal.requester.email = "someone@posthog.com";
    tickets.noEmail.requester.email = null;
    tickets.first.requester.email = shared;
    tickets.throttled.requester.email = shared;
    await account.seed(Object.values(tickets));
    await suppress(env.DB, await addressOf(tickets.unsubscribed.requester.email!.toUpperCase()), "test", Date.now());

    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const reasons = Object.fromEntries(
      await Promise.all(
        Object.entries(tickets).map(async ([name, t]) => [
          name,
          (await sendRow(t.id))?.reason ?? (await sendRow(t.id))?.status,
        ]),
      ),
    );
    expect(reasons).toEqual({
      spam: "excluded tag: spam",
      noCsat: "excluded tag: no_csat",
      agent: "requester is not an end user (agent)",
      internal: "internal address (posthog.com)",
      noEmail: "requester has no email address",
      unsubscribed: "unsubscribed",
      first: "claimed",
      throttled: "surveyed within the last 7 days",
    });
    expect(account.queued).toEqual([{ kind: "survey-email", ticketIds: [tickets.first.id] }]);
  });

  it("queues each ticket once when two cron runs overlap", async () => {
    const account = await dispatchAccount();
    const tickets = Array.from({ length: 12 }, (_, i) => solvedTicket(3.2 + i / 10));
    await account.seed(tickets);
    await Promise.all([
      runCron(EVERY_TEN_MINUTES, Date.now(), account.env),
      runCron(EVERY_TEN_MINUTES, Date.now(), account.env),
    ]);
    const ids = account.queued.flatMap((m) => (m.kind === "survey-email" ? m.ticketIds : [])).sort();
    expect(ids).toEqual(tickets.map((t) => t.id).sort());
    await deliverQueue(account.queued, account.env);
    expect(await account.resendSent()).toHaveLength(12);
  });

  it("sends nothing new when a message is delivered again", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(6);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued, account.env);
    const again = await deliverQueue(account.queued, account.env, 2);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await account.resendSent()).toHaveLength(1);
    expect(await account.resendRequests()).toHaveLength(1);
  });

  it("retries after a provider 500 and then sends exactly once", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(3.3);
    await account.seed([ticket]);
    await fake("resendUrl").script([
      {
        method: "POST",
        path: `/t/${account.name}/emails/batch`,
        status: 500,
        body: { name: "internal_server_error" },
      },
    ]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const first = await deliverQueue(account.queued, account.env);
    expect(first.explicitAcks).toHaveLength(0);
    expect(first.retryMessages).toHaveLength(1);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sending", attempts: 1 });
    expect((await sendRow(ticket.id))!.last_error).toContain("500");
    expect(await account.resendSent()).toHaveLength(0);

    const second = await deliverQueue(account.queued, account.env, 2);
    expect(second.explicitAcks).toHaveLength(1);
    expect(await account.resendSent()).toHaveLength(1);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sent", attempts: 2 });
    const keys = (await account.resendRequests()).map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).toBe(keys[1]); // the retry is the same request
  });

  it("does not email twice after a crash between sending and recording it", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(3.4);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    // The provider accepts, then the Worker dies before writing `sent`:
    const crash = crashBefore(account.env.DB, /SET status = 'sent'/);
    await deliverQueue(account.queued, { ...account.env, DB: crash.db });
    expect(crash.crashed()).toBe(true);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sending" });
    await deliverQueue(account.queued, account.env, 2);
    expect(await account.resendSent()).toHaveLength(1); // the replay was answered from Resend's idempotency record
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sent" });
  });

  it("gives up rather than risk a second email when the provider has no idempotency keys", async () => {
    const account = await dispatchAccount({ MAIL_PROVIDER: "cloudflare" });
    const ticket = solvedTicket(3.6);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    // send_email takes the email, then the Worker dies before writing `sent`:
    const crash = crashBefore(account.env.DB, /SET status = 'sent'/);
    await deliverQueue(account.queued, { ...account.env, DB: crash.db });
    expect(crash.crashed()).toBe(true);
    const result = await deliverQueue(account.queued, account.env, 2);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "failed" });
    expect(await sendRow(ticket.id)).toMatchObject({ status: "failed" });
    expect((await sendRow(ticket.id))!.reason).toContain("never gets two emails");
  });

  it("records a permanent provider refusal as failed, with Resend's reason, and does not retry it", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(3.7);
    await account.seed([ticket]);
    await fake("resendUrl").script([
      {
        method: "POST",
        path: `/t/${account.name}/emails/batch`,
        status: 403,
        body: { statusCode: 403, name: "validation_error", message: "The example.com domain is not verified." },
      },
    ]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const result = await deliverQueue(account.queued, account.env);
    expect(result.retryMessages).toHaveLength(0);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "failed" });
    expect((await sendRow(ticket.id))!.reason).toContain("domain is not verified");
  });

  it("keeps surveys waiting, not failed, while Resend refuses our API key", async () => {
    const account = await dispatchAccount({ RESEND_API_KEY: "re_wrong_key" });
    const ticket = solvedTicket(3.7);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const result = await deliverQueue(account.queued, account.env);
    expect(result.retryMessages).toHaveLength(1);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "claimed", send_key: null });
    expect((await sendRow(ticket.id))!.last_error).toContain("invalid_api_key");
    expect(await account.resendSent()).toHaveLength(0);
  });

  it("does not email a ticket reopened after it was queued, or an address unsubscribed meanwhile", async () => {
    const account = await dispatchAccount();
    const reopened = solvedTicket(3.8);
    const unsubscribing = solvedTicket(3.9);
    await account.seed([reopened, unsubscribing]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    // Reopened two minutes ago (the export leaves out changes of the last minute).
    await account.seed([{ ...reopened, status: "open", updated_at: new Date(Date.now() - 120_000).toISOString() }]);
    // The next sync sees the reopening before the consumer runs.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 61_000, {
      ...account.env,
      DISPATCH: { async sendBatch() {} } as never,
    });
    await suppress(env.DB, await addressOf(unsubscribing.requester.email!), "test", Date.now());
    await deliverQueue(account.queued, account.env);
    expect(await account.resendSent()).toHaveLength(0);
    expect((await sendRow(reopened.id))!.reason).toContain("reopened");
    expect((await sendRow(unsubscribing.id))!.reason).toBe("unsubscribed");
  });

  it("re-checks each claim on the ticket as the sync last read it, with no extra read of Zendesk", async () => {
    const account = await dispatchAccount();
    const [removed, tagged, kept] = [solvedTicket(3.5), solvedTicket(3.6), solvedTicket(3.7)];
    await account.seed([removed, tagged, kept]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    // Changed in Zendesk after the claim; the next sync reads the change before the emails go out.
    const later = new Date(Date.now() - 60_000).toISOString();
    await account.seed([
      { ...removed, updated_at: later, requester: { ...removed.requester, email: null } },
      { ...tagged, updated_at: later, tags: ["legal"] },
    ]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), { ...account.env, DISPATCH: { async sendBatch() {} } as never });
    await deliverQueue(account.queued, account.env);
    const sent = await account.resendSent();
    expect(sent.map((e) => e.to)).toEqual([[kept.requester.email]]);
    expect((await sendRow(removed.id))!.reason).toBe("requester has no email address");
    expect((await sendRow(tagged.id))!.reason).toBe("excluded tag: legal");
    const reads = (await account.zendeskRequests()).filter((r) => r.path.endsWith("/tickets/show_many.json"));
    expect(reads).toHaveLength(0);
  });

  it("surveys a reopened ticket once it is solved again, but never a ticket twice", async () => {
    const account = await dispatchAccount();
    const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    const ticket = solvedTicket(5, { status: "open", solved_at: at(5), updated_at: at(4) });
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(account.queued).toHaveLength(0);
    // Solved again 3.5 days ago: due now.
    await account.seed([{ ...ticket, status: "solved", solved_at: at(3.5), updated_at: at(3.5) }]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(account.queued).toEqual([{ kind: "survey-email", ticketIds: [ticket.id] }]);
    await deliverQueue(account.queued, account.env);
    // Reopened and solved once more: it was surveyed already, so never again.
    await account.seed([{ ...ticket, status: "solved", solved_at: at(3.1), updated_at: at(3.05) }]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(account.queued).toHaveLength(1);
    expect(await account.resendSent()).toHaveLength(1);
  });

  it("goes through the real Queue to the consumer (outbox mail) and sends once", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4.2);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.realQueueEnv);
    const deadline = Date.now() + 15_000;
    while ((await sendRow(ticket.id))?.status !== "sent" && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sent", provider: "outbox" });
    const kept = (await listOutbox(env.DB, 1000)).filter((m) => m.to === ticket.requester.email);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.subject).toContain(`#${ticket.id}`);
  });

  it("records what each run did and cost", async () => {
    const account = await dispatchAccount();
    await account.seed([solvedTicket(3.3)]);
    const before = await env.DB.prepare("SELECT MAX(id) AS id FROM job_runs").first<{ id: number | null }>();
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const run = await env.DB.prepare(
      "SELECT * FROM job_runs WHERE id > ? AND job = 'every-ten-minutes' ORDER BY id DESC",
    )
      .bind(before?.id ?? 0)
      .first<Record<string, any>>();
    expect(run).not.toBeNull();
    const summary = JSON.parse(run!.summary);
    expect(summary.sync).toMatchObject({ pages: 1, tickets: 1, endOfStream: true });
    expect(summary.dispatch).toMatchObject({ claimed: 1 });
    expect(run!.subrequests).toBeGreaterThanOrEqual(3);
  });
});

describe("other providers and credentials", () => {
  it("sends through Cloudflare's send_email binding, one email per call, with the unsubscribe headers", async () => {
    // The local send_email binding (it sends nothing), watched on its way through.
    const sent: Array<Record<string, unknown>> = [];
    const binding = {
      send(message: Parameters<SendEmail["send"]>[0] & Record<string, unknown>) {
        sent.push(message);
        return env.EMAIL.send(message as never);
      },
    };
    const account = await dispatchAccount({ MAIL_PROVIDER: "cloudflare" });
    const tickets = [solvedTicket(3.3), solvedTicket(3.4)];
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(account.queued, { ...account.env, EMAIL: binding as unknown as SendEmail });
    expect(sent.map((m) => m.to).sort()).toEqual(tickets.map((t) => t.requester.email).sort());
    expect(sent[0]).toMatchObject({
      from: { name: "PostHog Support", email: "support@example.com" },
      headers: { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    });
    expect(await sendRow(tickets[0]!.id)).toMatchObject({ status: "sent", provider: "cloudflare" });
    expect((await sendRow(tickets[0]!.id))!.provider_message_id).toMatch(/^<[^<>]+@[^<>]+>/);
    expect(await account.resendRequests()).toHaveLength(0);
  });

  it("authenticates to Zendesk with an OAuth token when one is set", async () => {
    const account = await dispatchAccount({ ZENDESK_OAUTH_TOKEN: "test-zendesk-token" });
    await account.seed([solvedTicket(4)]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const [request] = await account.zendeskRequests();
    expect(request!.headers.authorization).toBe("Bearer test-zendesk-token");
  });

  it("keeps emails waiting, not failed, while the mail provider lacks its key", async () => {
    const account = await dispatchAccount({ RESEND_API_KEY: "" });
    const ticket = solvedTicket(3.3);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const result = await deliverQueue(account.queued, account.env);
    expect(result.retryMessages).toHaveLength(1);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "claimed" });
    expect(await account.resendRequests()).toHaveLength(0);
  });
});
