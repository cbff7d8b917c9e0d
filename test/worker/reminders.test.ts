import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { parseSettings } from "../../src/config";
import { keyLegacyHashes } from "../../src/dispatch/fingerprint-job";
import { selectReminders } from "../../src/dispatch/reminder-job";
import { selectAndEnqueue } from "../../src/dispatch/select-job";
import type { Env } from "../../src/env";
import { buildReport, type ReportFigure } from "../../src/hedgehogs/report";
import { renderReportEmail } from "../../src/hedgehogs/report-email";
import type { QueueMessage } from "../../src/queue-message";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import type { FakeTicket, SentEmail } from "../fakes/types";
import { fakeSendEmail } from "./fake-send-email";
import { crashBefore, pauseBefore } from "./helpers/crash";
import {
  BASE,
  call,
  deliverQueue,
  dispatchAccount,
  fake,
  postForm,
  recordingQueue,
  runCron,
  sendRow,
  solvedTicket,
  storeAnswer,
  textOf,
  type DispatchAccount,
} from "./helpers";
import { resolvedTicket, supportAccount } from "./helpers/posthog-support";

const DAY = 86_400_000;

/** The reminder row of a ticket, as the dispatcher recorded it. */
const reminderRow = (ticketId: number) =>
  env.DB.prepare("SELECT * FROM survey_reminders WHERE ticket_id = ?").bind(ticketId).first<Record<string, any>>();

/** The queue messages of one kind the cron runs queued so far. */
const queuedOf = (account: DispatchAccount, kind: QueueMessage["kind"]) =>
  account.queued.filter((m) => m.kind === kind);

/**
 * Each test's own tickets. Every test shares one database and runs the cron days ahead, so a cron also
 * decides the reminders of earlier tests' surveys; a test hands the consumer only its own.
 */
const ownTickets = new WeakMap<DispatchAccount, Set<number>>();
const own = (account: DispatchAccount, ids: number[]) =>
  ownTickets.set(account, new Set([...(ownTickets.get(account) ?? []), ...ids]));

/** Tickets synced and their survey emails sent, on an account with reminders after 4 days (unless overridden). */
async function surveyed(tickets: FakeTicket[], overrides: Partial<Env> = {}): Promise<DispatchAccount> {
  const account = await dispatchAccount({ SURVEY_REMINDER_DAYS: "4", ...overrides });
  own(
    account,
    tickets.map((t) => t.id),
  );
  await account.seed(tickets);
  await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
  await deliverQueue(queuedOf(account, "survey-email"), account.env);
  expect(await account.resendSent()).toHaveLength(tickets.length);
  return account;
}

/** The cron `days` from now, and the reminder messages it queued, with this test's own tickets. */
async function cronIn(account: DispatchAccount, days: number, e: Env = account.env): Promise<QueueMessage[]> {
  const before = queuedOf(account, "survey-reminder").length;
  await runCron(EVERY_TEN_MINUTES, Date.now() + days * DAY, e);
  return ownMessages(account, queuedOf(account, "survey-reminder").slice(before));
}

function ownMessages(account: DispatchAccount, messages: QueueMessage[]): QueueMessage[] {
  const mine = ownTickets.get(account) ?? new Set();
  return messages.flatMap((m) => {
    if (m.kind !== "survey-reminder" && m.kind !== "survey-email") return [];
    const ticketIds = m.ticketIds.filter((id) => mine.has(id));
    return ticketIds.length > 0 ? [{ kind: m.kind, ticketIds }] : [];
  });
}

/** The tickets of queue messages, in order. */
const idsOf = (messages: QueueMessage[]) => messages.flatMap((m) => ("ticketIds" in m ? m.ticketIds : []));

/** `days` from now on the Worker's clock (the consumer's "now"), for the duration of `run`. */
async function atWorkerTime<T>(days: number, run: () => Promise<T>): Promise<T> {
  const at = Date.now() + days * DAY;
  vi.useFakeTimers({ toFake: ["Date"] });
  try {
    vi.setSystemTime(at);
    return await run();
  } finally {
    vi.useRealTimers();
  }
}

/** The links a customer can follow in an email: the five faces and the unsubscribe link, and the header's. */
function linksOf(email: SentEmail) {
  const hrefs = [...email.html.matchAll(/href="(https:\/\/survey\.example\.test\/[^"]+)"/g)].map((m) =>
    m[1]!.replace(/&amp;/g, "&"),
  );
  return { hrefs, listUnsubscribe: email.headers?.["List-Unsubscribe"] };
}

/** The customer answers through a face link of the email: opens the page and presses Submit. */
async function answerThrough(link: string, e: Env): Promise<void> {
  const page = await (await call(new Request(link), e)).text();
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    form.set(m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
  form.set("rating", "4");
  expect((await call(postForm(form), e)).status).toBe(303);
}

const reminders = (sent: SentEmail[]) => sent.filter((s) => s.subject.startsWith("Reminder:"));

describe("the one reminder", () => {
  it("is off by default: no reminder is decided or sent, however long ago the survey went", async () => {
    const ticket = solvedTicket(3.5);
    const account = await surveyed([ticket], { SURVEY_REMINDER_DAYS: undefined });
    expect(await cronIn(account, 5)).toEqual([]);
    expect(await cronIn(account, 10)).toEqual([]);
    expect(await reminderRow(ticket.id)).toBeNull();
    expect(await account.resendSent()).toHaveLength(1);
  });

  it("goes once, after the days set, with the same links, saying it is a reminder", async () => {
    const ticket = solvedTicket(3.5);
    const account = await surveyed([ticket]);
    expect(await cronIn(account, 3.9)).toEqual([]);
    const queued = await cronIn(account, 4.1);
    expect(queued).toEqual([{ kind: "survey-reminder", ticketIds: [ticket.id] }]);
    const result = await deliverQueue(queued, account.env);
    expect(result.explicitAcks).toHaveLength(1);

    const [survey, reminder] = await account.resendSent();
    expect(reminder!.to).toEqual([ticket.requester.email]);
    expect(reminder!.subject).toBe(`Reminder: how did we do with your support ticket #${ticket.id}?`);
    expect(reminder!.text).toContain("A reminder, in case our first email got buried");
    expect(reminder!.html).toContain("A reminder, in case our first email got buried");
    expect(linksOf(reminder!)).toEqual(linksOf(survey!));
    expect(linksOf(reminder!).hrefs).toHaveLength(6); // five faces and the unsubscribe link
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "sent", provider_message_id: reminder!.id });
    // Its own idempotency key, not the survey's.
    const keys = (await account.resendRequests()).map((r) => r.headers["idempotency-key"]);
    expect(keys[1]).toMatch(/^reminder-/);
    expect(keys[1]).not.toBe(keys[0]);

    // Later runs find nothing more to send.
    expect(await cronIn(account, 4.2)).toEqual([]);
    expect(await cronIn(account, 9)).toEqual([]);
    expect(await account.resendSent()).toHaveLength(2);
  });

  it("reminds a PostHog Support ticket's requester too, naming it as its survey did, unless it was reopened", async () => {
    const account = await supportAccount({ SURVEY_REMINDER_DAYS: "4" });
    const [kept, reopened] = [resolvedTicket(2), resolvedTicket(2.1)];
    await account.seedSupport([kept, reopened]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(queuedOf(account, "survey-email"), account.env);
    const keyOf = async (uuid: string) =>
      (await env.DB.prepare("SELECT ticket_key FROM posthog_support_tickets WHERE ticket_uuid = ?")
        .bind(uuid)
        .first<{ ticket_key: number }>())!.ticket_key;
    own(account, [await keyOf(kept.id), await keyOf(reopened.id)]);
    const surveys = await account.resendSent();
    expect(surveys).toHaveLength(2);
    // Reopened in PostHog after its survey: the poll lists resolved tickets only, the re-check reads it fresh.
    await account.seedSupport([{ ...reopened, status: "open", updated_at: new Date().toISOString() }]);

    const queued = await cronIn(account, 4.1);
    expect(queued).toHaveLength(1);
    await deliverQueue(queued, account.env);
    const [reminder, ...more] = reminders(await account.resendSent());
    expect(more).toEqual([]);
    expect(reminder!.to).toEqual([kept.email_from]);
    expect(reminder!.subject).toBe(`Reminder: how did we do with your support ticket #${kept.ticket_number}?`);
    expect(linksOf(reminder!)).toEqual(linksOf(surveys.find((s) => s.to[0] === kept.email_from)!));
    expect(new URL(linksOf(reminder!).hrefs[0]!).searchParams.get("ticket_id")).toBe(kept.id);
    expect(await reminderRow(await keyOf(reopened.id))).toMatchObject({
      status: "skipped",
      reason: "ticket was reopened (open) since the survey",
    });
  });

  it("is not sent to someone who answered: before it was claimed, or between the claim and the send", async () => {
    const early = solvedTicket(3.5);
    const late = solvedTicket(3.6);
    const account = await surveyed([early, late]);
    const sent = await account.resendSent();
    const faceOf = (t: FakeTicket) => linksOf(sent.find((s) => s.to[0] === t.requester.email)!).hrefs[3]!;
    await answerThrough(faceOf(early), account.env);

    const queued = await cronIn(account, 4.1);
    expect(queued).toEqual([{ kind: "survey-reminder", ticketIds: [late.id] }]);
    expect(await reminderRow(early.id)).toMatchObject({ status: "skipped", reason: "answered" });
    await answerThrough(faceOf(late), account.env);
    await deliverQueue(queued, account.env);
    expect(await reminderRow(late.id)).toMatchObject({ status: "skipped", reason: "answered" });
    expect(reminders(await account.resendSent())).toEqual([]);
  });

  it("is not sent after an unsubscribe, before or after the claim", async () => {
    const before = solvedTicket(3.5);
    const after = solvedTicket(3.6);
    const account = await surveyed([before, after]);
    const sent = await account.resendSent();
    const unsubscribe = async (t: FakeTicket) => {
      const link = linksOf(sent.find((s) => s.to[0] === t.requester.email)!).hrefs[5]!;
      expect(link).toContain("/unsubscribe?");
      const res = await call(
        new Request(link, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "List-Unsubscribe=One-Click",
        }),
        account.env,
      );
      expect(res.status).toBe(200);
    };
    await unsubscribe(before);
    const queued = await cronIn(account, 4.1);
    expect(await reminderRow(before.id)).toMatchObject({ status: "skipped", reason: "unsubscribed" });
    expect(queued).toEqual([{ kind: "survey-reminder", ticketIds: [after.id] }]);
    await unsubscribe(after);
    await deliverQueue(queued, account.env);
    expect(await reminderRow(after.id)).toMatchObject({ status: "skipped", reason: "unsubscribed" });
    expect(reminders(await account.resendSent())).toEqual([]);
  });

  it("is not sent after the person's data was erased, before or after the claim", async () => {
    const before = solvedTicket(3.5);
    const after = solvedTicket(3.6);
    const account = await surveyed([before, after]);
    await account.eraseByEmail(before.requester.email!);
    const queued = await cronIn(account, 4.1);
    expect(queued).toEqual([{ kind: "survey-reminder", ticketIds: [after.id] }]);
    expect(await reminderRow(before.id)).toMatchObject({ status: "skipped" });
    expect((await reminderRow(before.id))!.reason).toContain("erased");
    await account.eraseByEmail(after.requester.email!);
    await deliverQueue(queued, account.env);
    expect(await reminderRow(after.id)).toMatchObject({ status: "skipped", to_address: null });
    expect((await reminderRow(after.id))!.reason).toContain("erased");
    expect(reminders(await account.resendSent())).toEqual([]);
  });

  it("is not sent once the survey link has expired", async () => {
    const ticket = solvedTicket(3.5);
    const account = await surveyed([ticket], { LINK_TTL_DAYS: "3" });
    expect(await cronIn(account, 4.1)).toEqual([]);
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "skipped", reason: "the survey link has expired" });
    expect(reminders(await account.resendSent())).toEqual([]);
  });

  it("is not sent late: not over a day after it was due, nor with less than a day left on the link", async () => {
    // A stopped cron, reminders switched on, or a long hold: the surveys of weeks ago get no burst of reminders.
    const weeksAgo = solvedTicket(3.5);
    const account = await surveyed([weeksAgo]);
    expect(await cronIn(account, 29.8)).toEqual([]);
    expect(await reminderRow(weeksAgo.id)).toMatchObject({
      status: "skipped",
      reason: "the survey link expires in less than a day",
    });

    const dayLate = solvedTicket(3.5);
    const longLinks = await surveyed([dayLate], { LINK_TTL_DAYS: "60" });
    expect(await cronIn(longLinks, 5.2)).toEqual([]);
    expect(await reminderRow(dayLate.id)).toMatchObject({
      status: "skipped",
      reason: "too late: it was due 4 days after the survey email, over a day ago",
    });

    const shortLink = solvedTicket(3.5);
    const shortLinks = await surveyed([shortLink], { LINK_TTL_DAYS: "5" });
    expect(await cronIn(shortLinks, 4.1)).toEqual([]);
    expect(await reminderRow(shortLink.id)).toMatchObject({ reason: "the survey link expires in less than a day" });
    expect(reminders(await account.resendSent())).toEqual([]);
  });

  it("is skipped just before sending when, since its claim, it became late or its link expired", async () => {
    const late = solvedTicket(3.3);
    const account = await surveyed([late]);
    const queued = await cronIn(account, 4.1);
    expect(idsOf(queued)).toEqual([late.id]);
    // Its message comes back only on the day after the reminder was due (a long wait, a lost message).
    await atWorkerTime(5.2, () => deliverQueue(queued, account.env));
    expect(await reminderRow(late.id)).toMatchObject({
      status: "skipped",
      reason: "too late: it was due 4 days after the survey email, over a day ago",
    });

    const expiring = solvedTicket(3.3);
    const shortLinks = await surveyed([expiring], { LINK_TTL_DAYS: "6" });
    const claimed = await cronIn(shortLinks, 4.1);
    expect(idsOf(claimed)).toEqual([expiring.id]);
    await atWorkerTime(6.1, () => deliverQueue(claimed, shortLinks.env));
    expect(await reminderRow(expiring.id)).toMatchObject({
      status: "skipped",
      reason: "the survey link has expired",
    });
    expect(reminders(await account.resendSent())).toEqual([]);
    expect(reminders(await shortLinks.resendSent())).toEqual([]);
  });

  it("off again: with SURVEY_REMINDER_DAYS=0 or SURVEY_EMAILS=off nothing new is decided, and queued claims are skipped", async () => {
    const [a, b] = [solvedTicket(3.3), solvedTicket(3.4)];
    const account = await surveyed([a, b]);
    expect(await cronIn(account, 4.1, { ...account.env, SURVEY_REMINDER_DAYS: "0" })).toEqual([]);
    expect(await cronIn(account, 4.1, { ...account.env, SURVEY_EMAILS: "off" })).toEqual([]);
    expect(await reminderRow(a.id)).toBeNull();
    expect(await reminderRow(b.id)).toBeNull();

    const queued = await cronIn(account, 4.2);
    expect(idsOf(queued).sort()).toEqual([a.id, b.id].sort());
    // Switched off while the claims wait in the queue.
    await deliverQueue([{ kind: "survey-reminder", ticketIds: [a.id] }], { ...account.env, SURVEY_REMINDER_DAYS: "0" });
    await deliverQueue([{ kind: "survey-reminder", ticketIds: [b.id] }], { ...account.env, SURVEY_EMAILS: "off" });
    expect(await reminderRow(a.id)).toMatchObject({ status: "skipped", reason: "SURVEY_REMINDER_DAYS is 0 (no reminders)" });
    expect(await reminderRow(b.id)).toMatchObject({ status: "skipped", reason: "SURVEY_EMAILS is off" });
    expect(reminders(await account.resendSent())).toEqual([]);
  });

  it("is held, with the reason, while an older row's address waits to be keyed; decided once it is", async () => {
    const ticket = solvedTicket(3.4);
    const account = await surveyed([ticket]);
    // A row as the code before keyed fingerprints left it: its address known by a bare hash too.
    await env.DB.prepare("UPDATE candidates SET legacy_email_hash = ? WHERE ticket_id = ?")
      .bind("0".repeat(64), ticket.id)
      .run();
    const { queue, queued } = recordingQueue();
    try {
      const held = await selectReminders(env.DB, queue, parseSettings(account.env), Date.now() + 4.1 * DAY, {
        newClaims: true,
      });
      expect(held).toMatchObject({ considered: 0, claimed: 0, held: expect.stringMatching(/keyed/) });
      expect(await reminderRow(ticket.id)).toBeNull();
      expect(idsOf(queued)).not.toContain(ticket.id);
    } finally {
      // The fingerprints step drops a bare hash that does not match the row's address.
      await keyLegacyHashes(env.DB, account.env.ADDRESS_FINGERPRINT_KEY!, Date.now() + 20_000);
    }
    expect(idsOf(await cronIn(account, 4.1))).toEqual([ticket.id]);
  });

  it("never goes beyond the throttle: not after another survey to the address, and it holds off the next survey", async () => {
    // Surveys are re-checked as due at the time they are sent, so the days pass on the Worker's clock here.
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const at = (days: number) => vi.setSystemTime(start + days * DAY);
      const address = `throttled${start}@example.org`;
      const to = (t: FakeTicket): FakeTicket => ({ ...t, requester: { ...t.requester, email: address } });
      const first = to(solvedTicket(3.5));
      const second = to(solvedTicket(0.5)); // due 2.5 days from now, past a 2-day throttle after the first survey
      const account = await dispatchAccount({ SURVEY_REMINDER_DAYS: "4", SURVEY_THROTTLE_DAYS: "2" });
      own(account, [first.id, second.id]);
      await account.seed([first, second]);
      const cronAt = async (days: number, kind: QueueMessage["kind"]) => {
        at(days);
        const before = queuedOf(account, kind).length;
        await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
        const mine = ownTickets.get(account)!;
        const ids = queuedOf(account, kind)
          .slice(before)
          .flatMap((m) => ("ticketIds" in m ? m.ticketIds.filter((id) => mine.has(id)) : []));
        // Resend's fake counts its 2 requests a second on the real clock, which the days skipped here do not move.
        await new Promise((r) => setTimeout(r, 1100));
        if (ids.length > 0) await deliverQueue([{ kind, ticketIds: ids } as QueueMessage], account.env);
        return ids;
      };
      expect(await cronAt(0, "survey-email")).toEqual([first.id]);
      expect(await cronAt(2.6, "survey-email")).toEqual([second.id]);
      expect(await sendRow(second.id)).toMatchObject({ status: "sent" });

      // 4.1 days after the first survey and 1.5 after the second: its reminder would be a second email within 2 days.
      expect(await cronAt(4.1, "survey-reminder")).toEqual([]);
      expect(await reminderRow(first.id)).toMatchObject({
        status: "skipped",
        reason: "emailed another survey within the last 2 days",
      });
      // The second survey's reminder, 4.1 days after it.
      expect(await cronAt(6.7, "survey-reminder")).toEqual([second.id]);
      expect(await reminderRow(second.id)).toMatchObject({ status: "sent" });
      // A third ticket, solved long enough ago, reaches the sync now: within 2 days of that reminder.
      const third = to(solvedTicket(0, { solved_at: new Date(start - 3.5 * DAY).toISOString() }));
      third.updated_at = new Date(start - 120_000).toISOString(); // the export's clock is the real one
      own(account, [third.id]);
      await account.seed([third]);
      expect(await cronAt(6.8, "survey-email")).toEqual([]);
      expect(await sendRow(third.id)).toMatchObject({ status: "skipped", reason: "surveyed within the last 2 days" });
      expect(reminders(await account.resendSent())).toHaveLength(1);
      expect(await account.resendSent()).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  }, 30_000);

  describe("keeps to the throttle when a survey is claimed for the address while another run decides", () => {
    /** A surveyed ticket, and another ticket of its requester's, synced but due for its survey only days later. */
    async function twoTicketsOneAddress() {
      const address = `overlap${Date.now()}${Math.random().toString(36).slice(2, 6)}@example.org`;
      const to = (t: FakeTicket): FakeTicket => ({ ...t, requester: { ...t.requester, email: address } });
      const reminded = to(solvedTicket(3.5));
      const account = await surveyed([reminded], { SURVEY_THROTTLE_DAYS: "2" });
      // Changed two minutes ago: the next export reads it (its clock is the real one).
      const surveyedLater = to(solvedTicket(0, { updated_at: new Date(Date.now() - 120_000).toISOString() }));
      own(account, [surveyedLater.id]);
      await account.seed([surveyedLater]);
      await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
      expect(await sendRow(surveyedLater.id)).toBeNull();
      return { account, reminded, surveyedLater, settings: parseSettings(account.env), at: Date.now() + 4.1 * DAY };
    }

    it("a reminder decided before the other survey's claim is skipped, not claimed", async () => {
      const { reminded, surveyedLater, settings, at } = await twoTicketsOneAddress();
      const { queue, queued } = recordingQueue();
      const paused = pauseBefore(env.DB, /INSERT INTO survey_reminders/);
      const reminderRun = selectReminders(paused.db, queue, settings, at, { newClaims: true });
      await paused.reached;
      await selectAndEnqueue(env.DB, queue, settings, at);
      expect(await sendRow(surveyedLater.id)).toMatchObject({ status: "claimed" });
      paused.release();
      const summary = await reminderRun;
      expect(summary).toMatchObject({ claimed: 0, skipped: { "emailed another survey within the last 2 days": 1 } });
      expect(await reminderRow(reminded.id)).toMatchObject({
        status: "skipped",
        reason: "emailed another survey within the last 2 days",
      });
      expect(idsOf(queued.filter((m) => m.kind === "survey-reminder"))).not.toContain(reminded.id);
    });

    it("a survey decided before the reminder's claim is skipped, not claimed", async () => {
      const { reminded, surveyedLater, settings, at } = await twoTicketsOneAddress();
      const { queue, queued } = recordingQueue();
      const paused = pauseBefore(env.DB, /INSERT INTO survey_sends[^;]*'claimed'/);
      const surveyRun = selectAndEnqueue(paused.db, queue, settings, at);
      await paused.reached;
      await selectReminders(env.DB, queue, settings, at, { newClaims: true });
      expect(await reminderRow(reminded.id)).toMatchObject({ status: "claimed" });
      paused.release();
      const summary = await surveyRun;
      expect(summary).toMatchObject({ claimed: 0, skipped: { "surveyed within the last 2 days": 1 } });
      expect(await sendRow(surveyedLater.id)).toMatchObject({
        status: "skipped",
        reason: "surveyed within the last 2 days",
      });
      expect(idsOf(queued.filter((m) => m.kind === "survey-email"))).not.toContain(surveyedLater.id);
    });
  });

  it("shares one invocation's send allowance with the survey emails (Cloudflare: 200 in all)", async () => {
    const binding = fakeSendEmail();
    const account = await dispatchAccount({ MAIL_PROVIDER: "cloudflare", SURVEY_REMINDER_DAYS: "4" });
    const withBinding = { ...account.env, EMAIL: binding };
    const firstSurveyed = Array.from({ length: 150 }, () => solvedTicket(3.5));
    own(account, firstSurveyed.map((t) => t.id));
    await account.seed(firstSurveyed);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(ownMessages(account, queuedOf(account, "survey-email")), withBinding);
    expect(binding.sent).toHaveLength(150);

    // 150 more tickets are due their survey on the day the first 150 are due their reminder.
    const changedNow = { updated_at: new Date(Date.now() - 120_000).toISOString() };
    const surveyedNext = Array.from({ length: 150 }, () => solvedTicket(3.6, changedNow));
    own(account, surveyedNext.map((t) => t.id));
    await account.seed(surveyedNext);
    const before = account.queued.length;
    await runCron(EVERY_TEN_MINUTES, Date.now() + 4.1 * DAY, account.env);
    const both = ownMessages(account, account.queued.slice(before));
    expect(idsOf(both)).toHaveLength(300);

    const first = await deliverQueue(both, withBinding);
    expect(binding.sent).toHaveLength(150 + 200);
    expect(first.retryMessages.length).toBeGreaterThan(0);
    await deliverQueue(both, withBinding, 2);
    expect(binding.sent).toHaveLength(450);
    expect(new Set(binding.sent.map((m) => String(m.to))).size).toBe(300);
  }, 60_000);

  it("is queued once when two cron runs overlap, and sent once when its message is delivered again", async () => {
    const tickets = Array.from({ length: 6 }, (_, i) => solvedTicket(3.2 + i / 10));
    const account = await surveyed(tickets);
    await Promise.all([
      runCron(EVERY_TEN_MINUTES, Date.now() + 4.1 * DAY, account.env),
      runCron(EVERY_TEN_MINUTES, Date.now() + 4.1 * DAY, account.env),
    ]);
    const queued = ownMessages(account, queuedOf(account, "survey-reminder"));
    const ids = queued.flatMap((m) => (m.kind === "survey-reminder" ? m.ticketIds : [])).sort();
    expect(ids).toEqual(tickets.map((t) => t.id).sort());
    await deliverQueue(queued, account.env);
    const again = await deliverQueue(queued, account.env, 2);
    expect(again.explicitAcks).toHaveLength(queued.length);
    expect(reminders(await account.resendSent())).toHaveLength(6);
  });

  it("is sent once after a mail provider 500: the retry is the same request under the same key", async () => {
    const ticket = solvedTicket(3.3);
    const account = await surveyed([ticket]);
    const queued = await cronIn(account, 4.1);
    await fake("resendUrl").script([
      { method: "POST", path: `/t/${account.name}/emails/batch`, status: 500, body: { name: "internal_server_error" } },
    ]);
    const first = await deliverQueue(queued, account.env);
    expect(first.retryMessages).toHaveLength(1);
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "sending", attempts: 1 });
    expect(reminders(await account.resendSent())).toHaveLength(0);

    await deliverQueue(queued, account.env, 2);
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "sent", attempts: 2 });
    expect(reminders(await account.resendSent())).toHaveLength(1);
    const keys = (await account.resendRequests()).slice(1).map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    // The survey itself is as it was: sent once.
    expect(await sendRow(ticket.id)).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("waits out a mail provider 429 and then sends once", async () => {
    const ticket = solvedTicket(3.3);
    const account = await surveyed([ticket]);
    const queued = await cronIn(account, 4.1);
    await fake("resendUrl").script([
      {
        method: "POST",
        path: `/t/${account.name}/emails/batch`,
        status: 429,
        headers: { "retry-after": "1" },
        body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests." },
      },
    ]);
    const first = await deliverQueue(queued, account.env);
    expect(first.retryMessages).toHaveLength(1);
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "claimed", send_key: null });
    await new Promise((r) => setTimeout(r, 1100));
    await deliverQueue(queued, account.env, 2);
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "sent" });
    expect(reminders(await account.resendSent())).toHaveLength(1);
  });

  it("does not go twice after a crash between sending it and recording it", async () => {
    const ticket = solvedTicket(3.4);
    const account = await surveyed([ticket]);
    const queued = await cronIn(account, 4.1);
    const crash = crashBefore(account.env.DB, /SET status = 'sent'/);
    await deliverQueue(queued, { ...account.env, DB: crash.db });
    expect(crash.crashed()).toBe(true);
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "sending" });
    await deliverQueue(queued, account.env, 2);
    expect(reminders(await account.resendSent())).toHaveLength(1);
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "sent" });
  });

  it("is queued again when its message was lost after the claim", async () => {
    const ticket = solvedTicket(3.4);
    const account = await surveyed([ticket]);
    // The claim is written, then the Worker dies before queueing it.
    await runCron(EVERY_TEN_MINUTES, Date.now() + 4.1 * DAY, {
      ...account.env,
      DISPATCH: {
        async sendBatch() {
          throw new Error("simulated crash before queueing");
        },
      } as never,
    });
    expect(await reminderRow(ticket.id)).toMatchObject({ status: "claimed" });
    const queued = await cronIn(account, 4.2);
    expect(queued).toEqual([{ kind: "survey-reminder", ticketIds: [ticket.id] }]);
    await deliverQueue(queued, account.env);
    expect(reminders(await account.resendSent())).toHaveLength(1);
  });

  it("is counted apart in the report: reminded, and answered after the reminder", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const account = await dispatchAccount({ SURVEY_REMINDER_DAYS: "4" });
    const reportNow = async () =>
      (
        await call(
          new Request(`${BASE}/admin/report.json?month=${month}`, {
            headers: { authorization: `Bearer ${account.env.ADMIN_TOKEN}` },
          }),
          account.env,
        )
      ).json<{ reminders: { reminded: number; answeredAfterReminder: number }; surveysEmailed: number; figures: ReportFigure[] }>();
    // Other tests of this file remind this month too: what this test adds is counted.
    const before = await reportNow();

    const [answeredLater, neverAnswered, answeredBefore] = [solvedTicket(3.3), solvedTicket(3.4), solvedTicket(3.5)];
    own(account, [answeredLater.id, neverAnswered.id, answeredBefore.id]);
    await account.seed([answeredLater, neverAnswered, answeredBefore]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(queuedOf(account, "survey-email"), account.env);
    await storeAnswer({ ticketId: answeredBefore.id, team: "Product analytics", rating: 5, at: Date.now() });
    await deliverQueue(await cronIn(account, 4.1), account.env);
    expect(reminders(await account.resendSent())).toHaveLength(2);
    await storeAnswer({ ticketId: answeredLater.id, team: "Product analytics", rating: 4, at: Date.now() + 1000 });

    const after = await reportNow();
    expect(after.reminders.reminded - before.reminders.reminded).toBe(2);
    expect(after.reminders.answeredAfterReminder - before.reminders.answeredAfterReminder).toBe(1);
    // Reminders are not surveys: the survey count grew by the three surveys only.
    expect(after.surveysEmailed - before.surveysEmailed).toBe(3);
    const figure = (key: string) => after.figures.find((f) => f.key === key);
    expect(figure("reminded")).toMatchObject({ label: "Reminders emailed", value: after.reminders.reminded });
    expect(figure("answered_after_reminder")).toMatchObject({
      label: "Answered after the reminder",
      value: after.reminders.answeredAfterReminder,
    });
    const page = await (
      await call(
        new Request(`${BASE}/admin?month=${month}`, { headers: { authorization: `Bearer ${account.env.ADMIN_TOKEN}` } }),
        account.env,
      )
    ).text();
    expect(page).toContain("Answered after the reminder");
  });

  it("shows in the donor's email, text and HTML, only in months that had reminders", () => {
    const input = { month: "2026-10", hedgehogs: 3, runningHedgehogs: 9, surveysEmailed: 10, teams: [] };
    const terms = { hedgehogCostMinor: 500, currency: "GBP", charity: "Herts Wildlife Trust" };
    const withReminders = renderReportEmail(
      buildReport({ ...input, reminders: { reminded: 4, answeredAfterReminder: 1 } }, terms),
    );
    expect(withReminders.text).toContain("Reminders emailed: 4");
    expect(withReminders.text).toContain("Answered after the reminder: 1");
    expect(textOf(withReminders.html)).toContain("Answered after the reminder 1");
    const without = renderReportEmail(
      buildReport({ ...input, reminders: { reminded: 0, answeredAfterReminder: 0 } }, terms),
    );
    expect(without.text).not.toContain("Reminder");
  });
});
