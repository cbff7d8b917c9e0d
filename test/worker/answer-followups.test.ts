import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FollowupMessage } from "../../src/followups/owed";
import { FOLLOWUP_LEASE_MS } from "../../src/followups/outbox-store";
import type { QueueMessage } from "../../src/queue-message";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import {
  call,
  deliverQueue,
  dispatchAccount,
  fake,
  formFromPage,
  linkFields,
  postForm,
  runCron,
  solvedTicket,
  type DispatchAccount,
} from "./helpers";

const followupsOf = (queued: QueueMessage[], ticketId: number) =>
  queued.filter((m): m is FollowupMessage => m.kind === "answer-followup" && m.ticketId === ticketId);

const rows = async (ticketId: number) =>
  (
    await env.DB.prepare(
      "SELECT version, kind, status, attempts, last_error FROM answer_followups WHERE ticket_id = ? ORDER BY version, kind",
    )
      .bind(ticketId)
      .all<{ version: number; kind: string; status: string; attempts: number; last_error: string | null }>()
  ).results;

const hedgehogsFed = async () =>
  (await env.DB.prepare("SELECT COALESCE(SUM(hedgehogs), 0) AS n FROM hedgehog_tally").first<{ n: number }>())!.n;

async function answer(account: DispatchAccount, ticketId: number, rating: string, comment = "", over = account.env) {
  const form = await formFromPage(linkFields(ticketId), { rating, comment }, account.env);
  expect((await call(postForm(form), over)).status).toBe(303);
}

const ratingPuts = async (account: DispatchAccount) =>
  (await account.zendeskRequests()).filter(
    (r) => r.method === "PUT" && (r.body as { ticket: Record<string, unknown> }).ticket.custom_fields,
  );

describe("the answers' outbox", () => {
  it("a follow-up whose queue message was lost is queued again by the cron after its lease, and done once", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const unavailable = async () => {
      throw new Error("queue unavailable");
    };
    const lostQueue = { send: unavailable, sendBatch: unavailable } as unknown as Queue<QueueMessage>;
    // The answer is stored all the same; only its message is lost.
    await answer(account, ticket.id, "1", "nobody came", { ...account.env, DISPATCH: lostQueue });
    expect(await rows(ticket.id)).toMatchObject([{ version: 1, kind: "low-rating-alert", status: "pending" }]);

    // Within its lease the cron leaves the row to the message it may still get.
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(followupsOf(account.queued, ticket.id)).toHaveLength(0);
    await runCron(EVERY_TEN_MINUTES, Date.now() + FOLLOWUP_LEASE_MS + 60_000, account.env);
    expect(followupsOf(account.queued, ticket.id)).toEqual([
      { kind: "answer-followup", ticketId: ticket.id, version: 1, followup: "low-rating-alert" },
    ]);
    await deliverQueue(followupsOf(account.queued, ticket.id), account.env);
    expect(await account.zendeskNotes()).toHaveLength(1);
    expect(await account.slackRequests()).toHaveLength(1);
    expect(await rows(ticket.id)).toMatchObject([{ status: "done", last_error: null }]);

    // Done: later runs queue nothing more for it.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 3 * FOLLOWUP_LEASE_MS, account.env);
    expect(followupsOf(account.queued, ticket.id)).toHaveLength(1);
  });

  it("a message delivered again, or twice in one batch, does nothing twice", async () => {
    const account = await dispatchAccount({ ZENDESK_CSAT_FIELD_ID: "360001" });
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await answer(account, ticket.id, "2", "slow");
    const messages = followupsOf(account.queued, ticket.id);
    expect(messages.map((m) => m.followup).sort()).toEqual(["low-rating-alert", "ticket-rating"]);
    await deliverQueue(messages, account.env);
    await deliverQueue(messages, account.env, 2);
    await deliverQueue([...messages, ...messages], account.env, 3);
    expect(await account.zendeskNotes()).toHaveLength(1);
    expect(await account.slackRequests()).toHaveLength(1);
    expect(await ratingPuts(account)).toHaveLength(1);
    expect((await rows(ticket.id)).map((r) => r.status)).toEqual(["done", "done"]);
  });

  it("retries a write-back Zendesk cannot take yet with growing waits, keeping the reason, then writes it once", async () => {
    const account = await dispatchAccount({ ZENDESK_CSAT_FIELD_ID: "360001" });
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const outage = {
      method: "PUT",
      path: `/t/${account.name}/api/v2/tickets/${ticket.id}.json`,
      status: 503,
      body: { error: "ServiceUnavailable" },
    };
    await fake("zendeskUrl").script([outage, outage]);
    await answer(account, ticket.id, "5");
    const messages = followupsOf(account.queued, ticket.id);
    const first = await deliverQueue(messages, account.env);
    const second = await deliverQueue(messages, account.env, 2);
    expect(second.retryMessages[0]!.delaySeconds!).toBeGreaterThan(first.retryMessages[0]!.delaySeconds!);
    expect(await rows(ticket.id)).toMatchObject([{ kind: "ticket-rating", status: "pending", attempts: 2 }]);
    expect((await rows(ticket.id))[0]!.last_error).toContain("503");
    const third = await deliverQueue(messages, account.env, 3);
    expect(third.explicitAcks).toHaveLength(1);
    expect(await rows(ticket.id)).toMatchObject([{ status: "done", last_error: null }]);
    expect(await ratingPuts(account)).toHaveLength(3); // two refused, one written
  });

  it("100 simultaneous submits on one ticket store one answer, feed one hedgehog and raise one alert", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const hedgehogsBefore = await hedgehogsFed();
    const forms = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        formFromPage(linkFields(ticket.id), { rating: String(1 + (i % 2)), comment: `try ${i}` }, account.env),
      ),
    );
    const statuses = (await Promise.all(forms.map((f) => call(postForm(f), account.env)))).map((r) => r.status);
    // One is stored; every other form showed no answer and is asked which to keep.
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    const answers = await env.DB.prepare("SELECT COUNT(*) AS n FROM responses WHERE ticket_id = ?")
      .bind(ticket.id)
      .first<{ n: number }>();
    expect(answers!.n).toBe(1);
    expect(await hedgehogsFed()).toBe(hedgehogsBefore + 1);
    expect(await rows(ticket.id)).toMatchObject([{ version: 1, kind: "low-rating-alert" }]);
    await deliverQueue(followupsOf(account.queued, ticket.id), account.env);
    expect(await account.zendeskNotes()).toHaveLength(1);
    expect(await account.slackRequests()).toHaveLength(1);
  });
});
