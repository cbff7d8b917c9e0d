import { crashBefore } from "./helpers/crash";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { ALERT_SPACING_MS } from "../../src/alerts/low-rating";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { suppress } from "../../src/dispatch/suppressions-store";
import type { QueueMessage } from "../../src/queue-message";
import type { ResendStats, ZendeskStats } from "../fakes/types";
import { fakeSendEmail } from "./fake-send-email";
import {
  addressOf,
  ADMIN_TOKEN,
  answerForm,
  call,
  callThenConsume,
  deliverQueue,
  dispatchAccount,
  fake,
  formFromPage,
  letPacingWindowPass,
  linkFields,
  postForm,
  runCron,
  sendRow,
  solvedTicket,
  type DispatchAccount,
} from "./helpers";

/** When one alert per ticket per day lets the next go out: the cron runs at this time. */
const aDayLater = () => Date.now() + ALERT_SPACING_MS + 60_000;

const resendBatch = (account: DispatchAccount) => `/t/${account.name}/emails/batch`;

/** Resend's 429 for the batch endpoint, with its rate-limit headers and error body (resend.com "Rate limit", as the fake answers it). */
const resendRateLimited = (account: DispatchAccount, retryAfterSeconds: number) => ({
  method: "POST",
  path: resendBatch(account),
  status: 429,
  headers: {
    "retry-after": String(retryAfterSeconds),
    "ratelimit-limit": "2",
    "ratelimit-remaining": "0",
    "ratelimit-reset": String(retryAfterSeconds),
  },
  body: {
    statusCode: 429,
    name: "rate_limit_exceeded",
    message:
      "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.",
  },
});
const exportPath = (account: DispatchAccount) => `/t/${account.name}/api/v2/incremental/tickets/cursor.json`;

async function resendStats(account: DispatchAccount): Promise<ResendStats> {
  return (await fetch(`${inject("resendUrl")}/__fake/resend/${account.name}/stats`)).json();
}
async function zendeskStats(account: DispatchAccount): Promise<ZendeskStats> {
  return (await fetch(`${inject("zendeskUrl")}/__fake/zendesk/${account.name}/stats`)).json();
}
const surveyMessages = (queued: QueueMessage[]) => queued.filter((m) => m.kind === "survey-email");

describe("Resend's limits", () => {
  it("sends 2,000 surveys at 2 requests a second: every one once, no 429, nothing early", async () => {
    const account = await dispatchAccount();
    const tickets = Array.from({ length: 2000 }, () => solvedTicket(3.5));
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const messages = surveyMessages(account.queued);
    expect(messages).toHaveLength(20);
    const started = Date.now();
    const result = await deliverQueue(messages, account.env);
    expect(result.explicitAcks).toHaveLength(20);

    const sent = await account.resendSent();
    expect(sent).toHaveLength(2000);
    expect(new Set(sent.map((e) => e.to[0])).size).toBe(2000);
    const stats = await resendStats(account);
    expect(stats.requests).toBe(20);
    expect(stats.rateLimited).toBeLessThanOrEqual(stats.requests * 0.01);
    expect(stats.earlyRequests).toBe(0);
    expect(stats.maxInOneSecond).toBeLessThanOrEqual(2);
    // Paced, not stalled: 20 requests at 2 a second take about 10 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    const statuses = await env.DB.prepare(
      `SELECT status, COUNT(*) AS n FROM survey_sends WHERE ticket_id IN (SELECT value FROM json_each(?)) GROUP BY status`,
    )
      .bind(JSON.stringify(tickets.map((t) => t.id)))
      .all<{ status: string; n: number }>();
    expect(statuses.results).toEqual([{ status: "sent", n: 2000 }]);
    // Within Cloudflare's 1,000 subrequests (fetches, queue calls, D1 queries) an invocation, with room:
    // this one invocation took twice the ten messages a deployed consumer is given at once.
    const run = await env.DB.prepare(
      "SELECT subrequests FROM job_runs WHERE job = 'survey-emails' AND started_at >= ? ORDER BY id DESC LIMIT 1",
    )
      .bind(started)
      .first<{ subrequests: number }>();
    expect(run!.subrequests).toBeLessThan(500);
  }, 60_000);

  it("after a 429, no request goes before its retry-after, and the claims wait rather than fail", async () => {
    const account = await dispatchAccount();
    const tickets = [solvedTicket(3.5), solvedTicket(3.6)];
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await fake("resendUrl").script([resendRateLimited(account, 2)]);
    const first = await deliverQueue(surveyMessages(account.queued), account.env);
    expect(first.retryMessages).toHaveLength(1);
    expect(first.retryMessages[0]!.delaySeconds).toBeGreaterThanOrEqual(2);
    for (const t of tickets) expect(await sendRow(t.id)).toMatchObject({ status: "claimed", send_key: null });

    // Another invocation comes straight back: it waits out the retry-after before its request.
    await deliverQueue(surveyMessages(account.queued), account.env, 2);
    const requests = await account.resendRequests();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(1900);
    expect((await resendStats(account)).earlyRequests).toBe(0);
    // Rebuilt under a new key (the refused request was never processed).
    expect(requests[1]!.headers["idempotency-key"]).not.toBe(requests[0]!.headers["idempotency-key"]);
    expect(await account.resendSent()).toHaveLength(2);
  });

  it("one invalid address fails only its own email, with Resend's reason", async () => {
    const account = await dispatchAccount();
    const tickets = Array.from({ length: 100 }, () => solvedTicket(3.5));
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    // Resend (permissive mode) refuses the fourth email of the batch and sends the rest.
    await fake("resendUrl").script([
      {
        method: "POST",
        path: resendBatch(account),
        status: 200,
        body: {
          data: Array.from({ length: 99 }, (_, i) => ({ id: `perm-${i}` })),
          errors: [
            {
              index: 3,
              message: "Invalid `to` field. The email address needs to follow the `email@example.com` format.",
            },
          ],
        },
      },
    ]);
    const result = await deliverQueue(surveyMessages(account.queued), account.env);
    expect(result.explicitAcks).toHaveLength(1);
    const [request] = await account.resendRequests();
    expect(request!.headers["x-batch-validation"]).toBe("permissive");
    const order = [...tickets].sort((a, b) => a.id - b.id);
    expect(await sendRow(order[3]!.id)).toMatchObject({ status: "failed" });
    expect((await sendRow(order[3]!.id))!.reason).toContain("Invalid `to` field");
    expect(await sendRow(order[0]!.id)).toMatchObject({ status: "sent", provider_message_id: "perm-0" });
    expect(await sendRow(order[4]!.id)).toMatchObject({ status: "sent", provider_message_id: "perm-3" });
    const sent = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM survey_sends WHERE status = 'sent' AND ticket_id IN (SELECT value FROM json_each(?))`,
    )
      .bind(JSON.stringify(tickets.map((t) => t.id)))
      .first<{ n: number }>();
    expect(sent!.n).toBe(99);
  });

  it("replays an unconfirmed send with its first bytes even after the requester is renamed", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(3.5);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    // Resend accepts, then the Worker dies before recording it:
    const crash = crashBefore(account.env.DB, /SET status = 'sent'/);
    await deliverQueue(surveyMessages(account.queued), { ...account.env, DB: crash.db });
    expect(crash.crashed()).toBe(true);
    // Meanwhile the requester is renamed in Zendesk, and the sync reads it (an address change is not
    // replayed at all: survey-replay.test.ts).
    await account.seed([
      {
        ...ticket,
        updated_at: new Date(Date.now() - 90_000).toISOString(),
        requester: { ...ticket.requester, name: "Renamed Person" },
      },
    ]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);

    const replay = await deliverQueue(surveyMessages(account.queued), account.env, 2);
    expect(replay.explicitAcks).toHaveLength(1);
    const requests = await account.resendRequests();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.rawBody).toBe(requests[0]!.rawBody);
    expect(requests[1]!.headers["idempotency-key"]).toBe(requests[0]!.headers["idempotency-key"]);
    // Resend answered its first answer: one email, to the address it was first sent to.
    const sent = await account.resendSent();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual([ticket.requester.email]);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sent", provider_message_id: sent[0]!.id });
  });

  it("replays a send whose outcome is unknown byte for byte, even after the settings changed", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(3.5);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await fake("resendUrl").script([
      { method: "POST", path: resendBatch(account), status: 500, body: { name: "internal_server_error" } },
    ]);
    await deliverQueue(surveyMessages(account.queued), account.env);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sending" });
    // A deploy with another sender and brand lands before the replay.
    const changed = { ...account.env, MAIL_FROM: "Other Team <other@example.com>", BRAND_NAME: "Renamed" };
    await letPacingWindowPass(`resend:${account.env.RESEND_BASE_URL}`);
    await deliverQueue(surveyMessages(account.queued), changed, 2);
    const requests = await account.resendRequests();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.rawBody).toBe(requests[0]!.rawBody);
    expect(requests[1]!.headers["idempotency-key"]).toBe(requests[0]!.headers["idempotency-key"]);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sent" });
  });

  it("an address erased and another unsubscribed while their batch waits out a 429 get nothing; the third is sent", async () => {
    const account = await dispatchAccount();
    const [erased, unsubscribed, kept] = [solvedTicket(3.5), solvedTicket(3.6), solvedTicket(3.7)];
    await account.seed([erased!, unsubscribed!, kept!]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await fake("resendUrl").script([resendRateLimited(account, 1)]);
    await deliverQueue(surveyMessages(account.queued), account.env);

    await account.eraseByEmail(erased!.requester.email!);
    await suppress(env.DB, await addressOf(unsubscribed!.requester.email!), "test", Date.now());
    await letPacingWindowPass(`resend:${account.env.RESEND_BASE_URL}`);

    const retried = await deliverQueue(surveyMessages(account.queued), account.env, 2);
    expect(retried.explicitAcks).toHaveLength(1);
    const sent = await account.resendSent();
    expect(sent.map((e) => e.to[0])).toEqual([kept!.requester.email]);
    expect(await sendRow(erased!.id)).toMatchObject({ status: "skipped" });
    expect((await sendRow(erased!.id))!.reason).toContain("unsubscribed");
    expect(await sendRow(unsubscribed!.id)).toMatchObject({ status: "skipped", reason: "unsubscribed" });
  });

  it("an address emptied in Zendesk during a retry window skips that claim and sends the others", async () => {
    const account = await dispatchAccount();
    const [emptied, kept] = [solvedTicket(3.5), solvedTicket(3.6)];
    await account.seed([emptied!, kept!]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await fake("resendUrl").script([resendRateLimited(account, 1)]);
    await deliverQueue(surveyMessages(account.queued), account.env);
    await account.seed([
      {
        ...emptied!,
        updated_at: new Date(Date.now() - 90_000).toISOString(),
        requester: { ...emptied!.requester, email: null },
      },
    ]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await letPacingWindowPass(`resend:${account.env.RESEND_BASE_URL}`);
    const retried = await deliverQueue(surveyMessages(account.queued), account.env, 2);
    expect(retried.explicitAcks).toHaveLength(1);
    expect((await account.resendSent()).map((e) => e.to[0])).toEqual([kept!.requester.email]);
    expect((await sendRow(emptied!.id))!.reason).toContain("no email address");
  });
});

describe("Cloudflare's send_email limits", () => {
  it("a daily limit reached mid-batch leaves the rest waiting; after the reset every survey goes out once", async () => {
    const binding = fakeSendEmail({ dailyLimit: 3 });
    const account = await dispatchAccount({ MAIL_PROVIDER: "cloudflare" });
    const tickets = Array.from({ length: 5 }, () => solvedTicket(3.5));
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const withBinding = { ...account.env, EMAIL: binding };
    const first = await deliverQueue(surveyMessages(account.queued), withBinding);
    expect(binding.sent).toHaveLength(3);
    expect(first.retryMessages).toHaveLength(1);
    // Waits for the next day (the Queue's longest delay is 12 hours).
    expect(first.retryMessages[0]!.delaySeconds).toBeGreaterThan(60);
    const rows = await Promise.all(tickets.map((t) => sendRow(t.id)));
    expect(rows.filter((r) => r!.status === "sent")).toHaveLength(3);
    const waiting = rows.filter((r) => r!.status === "claimed");
    expect(waiting).toHaveLength(2);
    expect(waiting.some((r) => r!.last_error?.includes("E_DAILY_LIMIT_EXCEEDED"))).toBe(true);

    binding.resetDay();
    const second = await deliverQueue(surveyMessages(account.queued), withBinding, 2);
    expect(second.explicitAcks).toHaveLength(1);
    expect(binding.sent).toHaveLength(5);
    expect(new Set(binding.sent.map((m) => String(m.to))).size).toBe(5);
    expect(binding.sent[0]!.from).toEqual({ name: "PostHog Support", email: "support@example.com" });
    for (const t of tickets) expect(await sendRow(t.id)).toMatchObject({ status: "sent" });
  });

  it("a rate limit waits; a refused recipient fails with Cloudflare's code", async () => {
    const binding = fakeSendEmail();
    const account = await dispatchAccount({ MAIL_PROVIDER: "cloudflare" });
    const [refused, limited] = [solvedTicket(3.5), solvedTicket(3.6)];
    await account.seed([refused!, limited!]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    binding.failNext("E_RECIPIENT_SUPPRESSED", "recipient is on the suppression list");
    binding.failNext("E_RATE_LIMIT_EXCEEDED", "too many emails", 1);
    const withBinding = { ...account.env, EMAIL: binding };
    await deliverQueue(surveyMessages(account.queued), withBinding);
    expect(await sendRow(refused!.id)).toMatchObject({ status: "failed" });
    expect((await sendRow(refused!.id))!.reason).toContain("E_RECIPIENT_SUPPRESSED");
    expect(await sendRow(limited!.id)).toMatchObject({ status: "claimed" });
    await deliverQueue(surveyMessages(account.queued), withBinding, 2);
    expect(await sendRow(limited!.id)).toMatchObject({ status: "sent" });
    expect(binding.sent).toHaveLength(1);
  });
});

describe("Zendesk's export limits", () => {
  it("a token whose user is not an admin gets a plain answer in the log and on /admin/dispatch", async () => {
    const account = await dispatchAccount();
    await account.configure({ role: "agent" });
    await account.seed([solvedTicket(4)]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(await account.zendeskRequests()).toHaveLength(1);
    const run = await env.DB.prepare(
      "SELECT summary FROM job_runs WHERE job = 'every-ten-minutes' ORDER BY id DESC",
    ).first<{
      summary: string;
    }>();
    expect(JSON.parse(run!.summary).sync.stopped).toContain("must be a Zendesk admin");
    const page = await call(
      new Request("https://survey.example.test/admin/dispatch", {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
      account.env,
    );
    const html = await page.text();
    expect(html).toContain("Zendesk sync: forbidden");
    expect(html).toContain("must be a Zendesk admin");
  });

  it("with the minute's quota already used by another integration, waits it out and sends nothing early", async () => {
    const account = await dispatchAccount({ ZENDESK_EXPORT_REQUESTS_PER_MINUTE: "10" });
    await account.configure({ exportPerMinute: 10, exportUsed: 10 });
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const started = Date.now();
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    // The 429's Retry-After (about a minute) does not fit in the run: it stops, and the next run
    // (ten minutes later in production; at once here) does not call before the wait is over.
    expect(Date.now() - started).toBeLessThan(10_000);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const stats = await zendeskStats(account);
    expect(stats.exportRequests).toBe(1);
    expect(stats.exportRateLimited).toBe(1);
    expect(stats.earlyRequests).toBe(0);
    const state = await env.DB.prepare("SELECT status FROM zendesk_sync WHERE account = ?")
      .bind(account.env.ZENDESK_BASE_URL)
      .first<{ status: string }>();
    expect(state!.status).toBe("throttled");
  });

  for (const retryAfter of ["0", undefined]) {
    it(`a 429 with ${retryAfter === undefined ? "no Retry-After" : "Retry-After: 0"} does not become a storm`, async () => {
      const account = await dispatchAccount({ ZENDESK_EXPORT_REQUESTS_PER_MINUTE: "10" });
      await account.seed([solvedTicket(4)]);
      await fake("zendeskUrl").script([
        {
          method: "GET",
          path: exportPath(account),
          status: 429,
          headers: retryAfter === undefined ? {} : { "retry-after": retryAfter },
          body: { error: "APIRateLimitExceeded", description: "Number of allowed API requests per minute exceeded" },
          times: 1000,
        },
      ]);
      const started = Date.now();
      await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
      await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await account.zendeskRequests()).toHaveLength(1);
      await fake("zendeskUrl").reset();
    });
  }

  it("a first run over a 50,000-ticket backlog stays within D1's limits and claims everything in a few runs", async () => {
    const account = await dispatchAccount({ ZENDESK_EXPORT_REQUESTS_PER_MINUTE: "600" });
    // Lean pages: this test is about D1's limits over 50 pages, and real-sized ones (7.5 MB each) would
    // spend its time generating and reading text; zendesk-sync and contracts tests read real pages.
    await account.configure({ payload: "lean" });
    const solved = Date.now() - 10 * 86_400_000;
    const tickets = Array.from({ length: 50_000 }, (_, i) => {
      const t = solvedTicket(10);
      t.updated_at = new Date(solved + i * 1000).toISOString();
      if (i % 25 === 0) t.tags = ["spam"];
      return t;
    });
    for (let i = 0; i < tickets.length; i += 10_000) await account.seed(tickets.slice(i, i + 10_000));
    let runs = 0;
    for (; runs < 4; runs++) {
      await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
      const open = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM candidates c LEFT JOIN survey_sends s ON s.ticket_id = c.ticket_id
           WHERE c.ticket_id BETWEEN ? AND ? AND s.ticket_id IS NULL`,
      )
        .bind(tickets[0]!.id, tickets.at(-1)!.id)
        .first<{ n: number }>();
      if (open!.n === 0 && runs > 0) break;
    }
    expect(runs).toBeLessThanOrEqual(3);
    const claimed = surveyMessages(account.queued).flatMap((m) => (m.kind === "survey-email" ? m.ticketIds : []));
    expect(claimed).toHaveLength(48_000);
    expect(new Set(claimed).size).toBe(48_000);
  }, 120_000);
});

describe("the ten-minute cron", () => {
  it("runs every step on its own: a step that throws is recorded and the others still run", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(3.5);
    await account.seed([ticket]);
    // PostHog delivery's first statement fails (as a D1 outage of that one query would).
    const failingDb = new Proxy(account.env.DB, {
      get(target, prop) {
        if (prop === "prepare")
          return (sql: string) => {
            if (sql.includes("capture_lease_until")) throw new Error("D1_ERROR: simulated failure");
            return target.prepare(sql);
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await runCron(EVERY_TEN_MINUTES, Date.now(), { ...account.env, DB: failingDb });
    expect(surveyMessages(account.queued).flatMap((m) => (m.kind === "survey-email" ? m.ticketIds : []))).toEqual([
      ticket.id,
    ]);
    const run = await env.DB.prepare(
      "SELECT summary FROM job_runs WHERE job = 'every-ten-minutes' ORDER BY id DESC",
    ).first<{
      summary: string;
    }>();
    const summary = JSON.parse(run!.summary);
    expect(summary.posthog).toEqual({ error: "D1_ERROR: simulated failure" });
    expect(summary.sync).toMatchObject({ tickets: 1 });
    expect(summary.dispatch).toMatchObject({ claimed: 1 });
  });
});

describe("low-rating alerts within Zendesk's and Slack's limits", () => {
  async function answer(account: DispatchAccount, ticketId: number, rating: string, comment = "") {
    const res = await call(
      postForm(await formFromPage(linkFields(ticketId), { rating, comment }, account.env)),
      account.env,
    );
    expect(res.status).toBe(303);
  }
  // Of one ticket when given: a cron run a day ahead also requeues what other tests left pending.
  const lowRatings = (queued: QueueMessage[], ticketId?: number) =>
    queued.filter(
      (m) =>
        m.kind === "answer-followup" &&
        m.followup === "low-rating-alert" &&
        (ticketId === undefined || m.ticketId === ticketId),
    );

  it("a rating edited back and forth 100 times makes one note and one Slack message that day", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    for (let i = 0; i < 50; i++) {
      await answer(account, ticket.id, "3", "ok");
      await answer(account, ticket.id, "1", "slow");
    }
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env);
    expect(await account.zendeskNotes()).toHaveLength(1);
    expect(await account.slackRequests()).toHaveLength(1);
  });

  it("a later, different low answer updates the ticket once the day has passed", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await answer(account, ticket.id, "2", "slow");
    await answer(account, ticket.id, "1", "still nobody answered");
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env);
    expect(await account.zendeskNotes()).toHaveLength(1);
    expect((await account.zendeskNotes())[0]!.body).toContain("2/5");
    // Not yet: the cron finds nothing due within the day (messages delivered again do nothing).
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env, 2);
    expect(await account.zendeskNotes()).toHaveLength(1);
    // The cron a day later: the waiting answer goes out, once.
    await runCron(EVERY_TEN_MINUTES, aDayLater(), account.env);
    await runCron(EVERY_TEN_MINUTES, aDayLater(), account.env);
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env, 2);
    const notes = await account.zendeskNotes();
    expect(notes).toHaveLength(2);
    expect(notes[1]!.body).toContain("1/5");
    expect(notes[1]!.body).toContain("still nobody answered");
    expect(await account.slackRequests()).toHaveLength(2);
  });

  it("a waiting low answer raised above 2 is cancelled; a later low answer still goes out when the day has passed", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await answer(account, ticket.id, "2", "slow");
    await answer(account, ticket.id, "2", "still slow"); // waits for the day
    await answer(account, ticket.id, "4", "sorted after all"); // the waiting alert is no longer due
    await answer(account, ticket.id, "2", "still slow"); // waits again
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env);
    expect(await account.zendeskNotes()).toHaveLength(1);
    await runCron(EVERY_TEN_MINUTES, aDayLater(), account.env); // the cron a day later
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env, 2);
    const notes = await account.zendeskNotes();
    expect(notes).toHaveLength(2);
    expect(notes[1]!.body).toContain("still slow");
  });

  it("a waiting low answer raised above 2 is withdrawn: when its day has passed the cron queues nothing for it", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await answer(account, ticket.id, "2", "slow");
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env);
    await answer(account, ticket.id, "1", "still slow"); // waits for the day
    await answer(account, ticket.id, "5", "sorted after all");
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env);
    const queuedBefore = lowRatings(account.queued, ticket.id).length;
    await runCron(EVERY_TEN_MINUTES, aDayLater(), account.env); // the cron a day later
    expect(lowRatings(account.queued, ticket.id)).toHaveLength(queuedBefore); // nothing left waiting to queue
    const notes = await account.zendeskNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain("2/5");
    expect(await account.slackRequests()).toHaveLength(1);
  });

  it("tells a closed ticket (422) from another validation error by Zendesk's body", async () => {
    const account = await dispatchAccount();
    const [closed, invalid] = [solvedTicket(4, { status: "closed" }), solvedTicket(4)];
    await account.seed([closed!, invalid!]);
    await fake("zendeskUrl").script([
      {
        method: "PUT",
        path: `/t/${account.name}/api/v2/tickets/${invalid!.id}.json`,
        status: 422,
        body: {
          error: "RecordInvalid",
          description: "Record validation errors",
          details: { base: [{ description: "Comment: value is too long" }] },
        },
      },
    ]);
    await answer(account, closed!.id, "1");
    await answer(account, invalid!.id, "1");
    await deliverQueue(lowRatings(account.queued), account.env);
    const alert = (id: number) =>
      env.DB.prepare("SELECT zendesk_status, zendesk_detail FROM low_rating_alerts WHERE ticket_id = ?")
        .bind(id)
        .first<{
          zendesk_status: string;
          zendesk_detail: string;
        }>();
    expect(await alert(closed!.id)).toMatchObject({ zendesk_status: "skipped" });
    expect((await alert(closed!.id))!.zendesk_detail).toContain("closed");
    expect(await alert(invalid!.id)).toMatchObject({ zendesk_status: "failed" });
    expect((await alert(invalid!.id))!.zendesk_detail).toContain("too long");
  });

  it("a Zendesk 429 on the ticket update waits; the note is added once, later", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await fake("zendeskUrl").script([
      {
        method: "PUT",
        path: `/t/${account.name}/api/v2/tickets/${ticket.id}.json`,
        status: 429,
        headers: { "retry-after": "1" },
        body: "You have made too many requests to update this ticket.",
      },
    ]);
    await answer(account, ticket.id, "2");
    const first = await deliverQueue(lowRatings(account.queued, ticket.id), account.env);
    expect(first.retryMessages).toHaveLength(1);
    expect(await account.zendeskNotes()).toHaveLength(0);
    await deliverQueue(lowRatings(account.queued, ticket.id), account.env, 2);
    expect(await account.zendeskNotes()).toHaveLength(1);
    expect(await account.slackRequests()).toHaveLength(1);
    expect((await zendeskStats(account)).earlyRequests).toBe(0);
  });

  it("a team called constructor or __proto__ gets the default Slack webhook", async () => {
    const account = await dispatchAccount();
    for (const team of ["constructor", "__proto__"]) {
      const ticket = solvedTicket(4);
      const res = await call(
        postForm(await answerForm(linkFields(ticket.id, { team }), { rating: "1", comment: "" })),
        account.env,
      );
      expect(res.status).toBe(303);
    }
    await deliverQueue(lowRatings(account.queued), account.env);
    const slack = await account.slackRequests();
    expect(slack.map((r) => r.path)).toEqual([
      `/t/${account.name}/services/T001/B002/general`,
      `/t/${account.name}/services/T001/B002/general`,
    ]);
  });
});

describe("PostHog's limits", () => {
  it("a 503 with Retry-After leaves answers pending until it has passed, then delivers them once", async () => {
    // Its own host name for the same fake, so the hold-off it earns keeps no other test waiting.
    const account = await dispatchAccount({ POSTHOG_HOST: inject("posthogUrl").replace("127.0.0.1", "localhost") });
    const ticketId = solvedTicket(4).id;
    await fake("posthogUrl").script([
      {
        method: "POST",
        path: "/batch/",
        status: 503,
        headers: { "retry-after": "30" },
        body: "service unavailable",
        bodyIncludes: `customer-${ticketId}`,
      },
    ]);
    const res = await callThenConsume(
      postForm(await answerForm(linkFields(ticketId), { rating: "5", comment: "" })),
      account.env,
    );
    expect(res.status).toBe(303);
    const row = await env.DB.prepare(
      "SELECT captured_at, next_capture_at, last_capture_error FROM responses WHERE ticket_id = ?",
    )
      .bind(ticketId)
      .first<{ captured_at: number | null; next_capture_at: number; last_capture_error: string }>();
    expect(row!.captured_at).toBeNull();
    expect(row!.next_capture_at - Date.now()).toBeGreaterThan(25_000);
    expect(row!.last_capture_error).toContain("503");
  });
});
