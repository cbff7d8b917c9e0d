import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { suppress } from "../../src/dispatch/suppressions-store";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import type { QueueMessage } from "../../src/queue-message";
import type { FakeTicket } from "../fakes/types";
import {
  addressOf,
  ADMIN_TOKEN,
  call,
  deliverQueue,
  dispatchAccount,
  fake,
  runCron,
  sendRow,
  solvedTicket,
  type DispatchAccount,
} from "./helpers";

const surveyMessages = (queued: QueueMessage[]) => queued.filter((m) => m.kind === "survey-email");

/**
 * Three tickets claimed and sent in one Resend batch whose answer is a 500: with `delivered`, Resend
 * sent the batch and only its answer was lost; without, it sent nothing. Either way the claims are
 * left with an unknown outcome, to be replayed.
 */
async function unconfirmedBatch(options: { delivered: boolean }) {
  const account = await dispatchAccount();
  const [changing, first, second] = [solvedTicket(3.5), solvedTicket(3.6), solvedTicket(3.7)];
  await account.seed([changing!, first!, second!]);
  await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
  await fake("resendUrl").script([
    {
      method: "POST",
      path: `/t/${account.name}/emails/batch`,
      status: 500,
      body: { statusCode: 500, name: "internal_server_error", message: "An unexpected error occurred." },
      applyFirst: options.delivered,
    },
  ]);
  await deliverQueue(surveyMessages(account.queued), account.env);
  for (const t of [changing, first, second]) expect(await sendRow(t!.id)).toMatchObject({ status: "sending" });
  return { account, changing: changing!, rest: [first!, second!] };
}

/** The queue's next delivery of the batch's message (the pacer keeps it within Resend's 2 requests a second). */
function replay(account: DispatchAccount) {
  return deliverQueue(surveyMessages(account.queued), account.env, 2);
}

/** How many emails Resend accepted for each address (the fake's record of what it sent). */
async function emailsTo(account: DispatchAccount): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await account.resendSent()) for (const to of e.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

/** Each way a requester stops being eligible while their survey's send is unconfirmed. */
const changes: Array<{
  name: string;
  change: (account: DispatchAccount, ticket: FakeTicket) => Promise<void>;
  reason: string;
  /** Addresses that must get nothing besides the ticket's first one. */
  alsoNotTo?: string[];
}> = [
  {
    name: "address removed in Zendesk",
    change: (account, t) => account.seed([{ ...t, requester: { ...t.requester, email: null } }]),
    reason: "requester has no email address",
  },
  {
    name: "address changed in Zendesk",
    change: (account, t) => account.seed([{ ...t, requester: { ...t.requester, email: `moved.${t.id}@example.net` } }]),
    reason: "requester's email address changed in Zendesk",
  },
  {
    name: "unsubscribed",
    change: async (_account, t) => {
      await suppress(env.DB, await addressOf(t.requester.email!), "test", Date.now());
    },
    reason: "unsubscribed",
  },
  {
    name: "erased",
    change: (account, t) => account.eraseByEmail(t.requester.email!),
    reason: "erased while its send was unconfirmed",
  },
  {
    name: "ticket reopened",
    change: (account, t) => account.seed([{ ...t, status: "open" }]),
    reason: "ticket was reopened (open)",
  },
  {
    name: "ticket tagged spam",
    change: (account, t) => account.seed([{ ...t, tags: ["spam"] }]),
    reason: "excluded tag: spam",
  },
];

describe("replaying a survey batch whose outcome is unknown", () => {
  for (const delivered of [false, true]) {
    it(`emails everyone in it exactly once when all are still eligible (${delivered ? "the first attempt was sent" : "it was not"})`, async () => {
      const { account, changing, rest } = await unconfirmedBatch({ delivered });
      const result = await replay(account);
      expect(result.explicitAcks).toHaveLength(1);
      const counts = await emailsTo(account);
      expect([...counts.values()]).toEqual([1, 1, 1]);
      const sent = await account.resendSent();
      for (const t of [changing, ...rest]) {
        const row = await sendRow(t.id);
        expect(row).toMatchObject({ status: "sent" });
        expect(sent.find((e) => e.to[0] === t.requester.email)!.id).toBe(row!.provider_message_id);
      }
    });
  }

  for (const { name, change, reason } of changes) {
    it(`${name}: the replay does not email them, and the rest of the batch is emailed exactly once`, async () => {
      const { account, changing, rest } = await unconfirmedBatch({ delivered: false });
      const original = changing.requester.email!;
      await change(account, changing);
      const result = await replay(account);
      expect(result.explicitAcks).toHaveLength(1);

      const counts = await emailsTo(account);
      expect(counts.get(original)).toBeUndefined();
      expect(counts.get(`moved.${changing.id}@example.net`)).toBeUndefined();
      for (const t of rest) expect(counts.get(t.requester.email!)).toBe(1);
      expect(counts.size).toBe(2);
      const row = await sendRow(changing.id);
      expect(row).toMatchObject({ status: "skipped" });
      expect(row!.reason).toContain(reason);
      expect(row!.reason).toContain("not sent");
      for (const t of rest) expect(await sendRow(t.id)).toMatchObject({ status: "sent" });

      // Nothing more goes out on a later delivery or cron run.
      await replay(account);
      await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
      expect((await account.resendSent()).length).toBe(2);
    });
  }

  it("shows each replay skipped with its reason on /admin/dispatch, beside the other skips", async () => {
    const { account, changing } = await unconfirmedBatch({ delivered: false });
    await account.seed([{ ...changing, requester: { ...changing.requester, email: null } }]);
    await replay(account);
    const page = await call(
      new Request("https://survey.example.test/admin/dispatch", {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
      account.env,
    );
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("requester has no email address; not sent");
  });

  it("when the first attempt was sent and its answer lost, nobody gets a second email, the changed one included", async () => {
    const { account, changing, rest } = await unconfirmedBatch({ delivered: true });
    await account.seed([{ ...changing, requester: { ...changing.requester, email: null } }]);
    const result = await replay(account);
    expect(result.explicitAcks).toHaveLength(1);
    // The first attempt reached all three, before the address was removed; the replay sends nothing new.
    const counts = await emailsTo(account);
    expect([...counts.values()]).toEqual([1, 1, 1]);
    const sent = await account.resendSent();
    for (const t of [changing, ...rest]) {
      expect(await sendRow(t.id)).toMatchObject({
        status: "sent",
        provider_message_id: sent.find((e) => e.to[0] === t.requester.email)!.id,
      });
    }
  });

  it("when the first attempt was sent and one of its requesters was erased since, the others are not emailed again", async () => {
    const { account, changing, rest } = await unconfirmedBatch({ delivered: true });
    await account.eraseByEmail(changing.requester.email!);
    const result = await replay(account);
    expect(result.explicitAcks).toHaveLength(1);
    expect([...(await emailsTo(account)).values()]).toEqual([1, 1, 1]);
    for (const t of rest) expect(await sendRow(t.id)).toMatchObject({ status: "sent" });
    expect(await sendRow(changing.id)).toMatchObject({ status: "failed" });
    expect((await sendRow(changing.id))!.reason).toContain("erased");
  });

  it("a replay whose own answer is lost, then another requester drops out: each of the rest emailed once", async () => {
    const { account, changing, rest } = await unconfirmedBatch({ delivered: false });
    const [second, third] = rest as [FakeTicket, FakeTicket];
    await account.seed([{ ...changing, status: "open" }]);
    // The replay without the reopened ticket is sent, and its answer lost too.
    await fake("resendUrl").script([
      {
        method: "POST",
        path: `/t/${account.name}/emails/batch`,
        status: 500,
        body: { statusCode: 500, name: "internal_server_error", message: "An unexpected error occurred." },
        applyFirst: true,
      },
    ]);
    await replay(account);
    expect(await sendRow(second.id)).toMatchObject({ status: "sending" });
    await suppress(env.DB, await addressOf(second.requester.email!), "test", Date.now());
    const result = await replay(account);
    expect(result.explicitAcks).toHaveLength(1);

    const counts = await emailsTo(account);
    expect(counts.get(changing.requester.email!)).toBeUndefined();
    // The second was in the replay Resend accepted, before they unsubscribed: once, never twice.
    expect(counts.get(second.requester.email!)).toBe(1);
    expect(counts.get(third.requester.email!)).toBe(1);
    expect(await sendRow(changing.id)).toMatchObject({ status: "skipped" });
    expect((await sendRow(changing.id))!.reason).toContain("reopened");
    expect(await sendRow(second.id)).toMatchObject({ status: "sent" });
    expect(await sendRow(third.id)).toMatchObject({ status: "sent" });
  });

  it("a batch whose every requester dropped out sends nothing and records each reason", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(3.5);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await fake("resendUrl").script([
      { method: "POST", path: `/t/${account.name}/emails/batch`, status: 500, body: { name: "internal_server_error" } },
    ]);
    await deliverQueue(surveyMessages(account.queued), account.env);
    await account.seed([{ ...ticket, requester: { ...ticket.requester, email: "elsewhere@example.net" } }]);
    const result = await replay(account);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await account.resendSent()).toHaveLength(0);
    expect((await account.resendRequests()).length).toBe(1);
    expect(await sendRow(ticket.id)).toMatchObject({ status: "skipped" });
    expect((await sendRow(ticket.id))!.reason).toContain("address changed");
  });
});
