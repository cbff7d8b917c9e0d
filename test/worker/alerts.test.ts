import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { slackMessage } from "../../src/alerts/low-rating";
import type { FollowupMessage } from "../../src/followups/owed";
import type { QueueMessage } from "../../src/queue-message";
import { findAnswer } from "../../src/survey/responses-store";
import {
  formFromPage,
  call,
  deliverQueue,
  dispatchAccount,
  linkFields,
  postForm,
  solvedTicket,
  fake,
  textOf,
} from "./helpers";
import { crashBefore } from "./helpers/crash";

async function answer(
  account: Awaited<ReturnType<typeof dispatchAccount>>,
  ticketId: number,
  rating: string,
  comment = "",
  team = "Product analytics",
) {
  const res = await call(
    postForm(await formFromPage(linkFields(ticketId, { team }), { rating, comment }, account.env)),
    account.env,
  );
  expect(res.status).toBe(303);
}

/** Zendesk answers the ticket's next update with a 500, after doing it (`applyFirst`) or not. */
const failNextUpdate = (account: string, ticketId: number, how: { applyFirst: boolean }) =>
  fake("zendeskUrl").script([
    {
      method: "PUT",
      path: `/t/${account}/api/v2/tickets/${ticketId}.json`,
      applyFirst: how.applyFirst,
      status: 500,
      body: { error: "InternalError" },
    },
  ]);

const lowRatingMessages = (queued: QueueMessage[]) =>
  queued.filter((m): m is FollowupMessage => m.kind === "answer-followup" && m.followup === "low-rating-alert");
const lowRatingMessage = (ticketId: number, version: number): FollowupMessage => ({
  kind: "answer-followup",
  ticketId,
  version,
  followup: "low-rating-alert",
});

const hedgehogsFed = async () =>
  (await env.DB.prepare("SELECT COALESCE(SUM(hedgehogs), 0) AS n FROM hedgehog_tally").first<{ n: number }>())!.n;

const alertRows = async (ticketId: number) =>
  (
    await env.DB.prepare("SELECT version, rating FROM low_rating_alerts WHERE ticket_id = ? ORDER BY version")
      .bind(ticketId)
      .all<{ version: number; rating: number }>()
  ).results;

const followupRows = async (ticketId: number) =>
  (
    await env.DB.prepare("SELECT version, kind FROM answer_followups WHERE ticket_id = ? ORDER BY version, kind")
      .bind(ticketId)
      .all<{ version: number; kind: string }>()
  ).results;

describe("low ratings reach the team", () => {
  it("adds one internal note and one Slack message for a 1 or 2", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await answer(account, ticket.id, "1", "Nobody <b>answered</b> & I waited");
    expect(lowRatingMessages(account.queued)).toEqual([lowRatingMessage(ticket.id, 1)]);
    await deliverQueue(lowRatingMessages(account.queued), account.env);

    const notes = await account.zendeskNotes();
    expect(notes).toEqual([
      {
        ticketId: ticket.id,
        public: false,
        body: expect.stringContaining("CSAT survey answer: 1/5 (Very dissatisfied)"),
      },
    ]);
    expect(notes[0]!.body).toContain("Comment: Nobody <b>answered</b> & I waited");
    const zendeskPut = (await account.zendeskRequests()).find((r) => r.method === "PUT")!;
    expect(zendeskPut.path).toBe(`/t/${account.name}/api/v2/tickets/${ticket.id}.json`);

    const slack = await account.slackRequests();
    expect(slack).toHaveLength(1);
    expect(slack[0]!.path).toBe(`/t/${account.name}/services/T001/B001/analytics`);
    const text = (slack[0]!.body as { text: string }).text;
    expect(text).toContain("*1/5*");
    expect(text).toContain("Nobody &lt;b&gt;answered&lt;/b&gt; &amp; I waited");
    expect(text).toContain(`/agent/tickets/${ticket.id}|ticket #${ticket.id}>`);

    // Delivered again: nothing more.
    await deliverQueue(lowRatingMessages(account.queued), account.env, 2);
    expect(await account.zendeskNotes()).toHaveLength(1);
    expect(await account.slackRequests()).toHaveLength(1);
  });

  it("alerts on an edit down to a low rating, but not on a good rating or a low one edited again", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await answer(account, ticket.id, "4");
    expect(lowRatingMessages(account.queued)).toHaveLength(0);
    await answer(account, ticket.id, "2", "changed my mind");
    await answer(account, ticket.id, "1", "even worse");
    await deliverQueue(lowRatingMessages(account.queued), account.env);
    const notes = await account.zendeskNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain("CSAT survey answer: 2/5");
    expect(await alertRows(ticket.id)).toEqual([
      { version: 2, rating: 2 },
      { version: 3, rating: 1 }, // waits for its day
    ]);
  });

  it("stores an answer and the alert it owes together: if the alert cannot be written, neither is", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const form = await formFromPage(linkFields(ticket.id), { rating: "1", comment: "Still broken" }, account.env);
    const hedgehogsBefore = await hedgehogsFed();
    const crash = crashBefore(account.env.DB, /INSERT INTO answer_followups/);
    const failed = await call(postForm(form), { ...account.env, DB: crash.db });
    expect(crash.crashed()).toBe(true);
    expect(failed.status).toBe(500);
    expect(textOf(await failed.text())).toContain("Your answer may not have been saved. Please try again");
    expect(await findAnswer(env.DB, ticket.id)).toBeNull(); // no answer without its alert
    expect(await followupRows(ticket.id)).toHaveLength(0);

    // The customer sends it again: the answer, its one hedgehog and its alert are stored once.
    expect((await call(postForm(form), account.env)).status).toBe(303);
    expect(await findAnswer(env.DB, ticket.id)).toMatchObject({ rating: 1, comment: "Still broken", version: 1 });
    expect(await followupRows(ticket.id)).toEqual([{ version: 1, kind: "low-rating-alert" }]);
    expect(lowRatingMessages(account.queued)).toEqual([lowRatingMessage(ticket.id, 1)]);
    expect(await hedgehogsFed()).toBe(hedgehogsBefore + 1);
    await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(await account.zendeskNotes()).toHaveLength(1);
    expect(await alertRows(ticket.id)).toEqual([{ version: 1, rating: 1 }]);
  });

  it("keeps an alert waiting for its day when a form from another device, showing an older answer, is refused", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await answer(account, ticket.id, "1", "Broken");
    // Within the day a different low answer waits for its day (one alert per ticket per day).
    const laptop = await formFromPage(linkFields(ticket.id), { rating: "4", comment: "Fixed now" }, account.env);
    const edit = await formFromPage(linkFields(ticket.id), { rating: "2", comment: "Broken again" }, account.env);
    expect((await call(postForm(edit), account.env)).status).toBe(303);
    await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(await alertRows(ticket.id)).toEqual([
      { version: 1, rating: 1 },
      { version: 2, rating: 2 },
    ]);
    // The laptop's form showed version 1: its 4 is not stored, so it owes nothing and cancels nothing.
    expect((await call(postForm(laptop), account.env)).status).toBe(409);
    await deliverQueue(lowRatingMessages(account.queued), account.env, 2);
    expect(await followupRows(ticket.id)).toHaveLength(2);
    expect(await alertRows(ticket.id)).toEqual([
      { version: 1, rating: 1 },
      { version: 2, rating: 2 },
    ]);
    // The same 4 from a form that showed version 2 is stored and cancels the waiting alert.
    const current = await formFromPage(linkFields(ticket.id), { rating: "4", comment: "Fixed now" }, account.env);
    expect((await call(postForm(current), account.env)).status).toBe(303);
    await deliverQueue(lowRatingMessages(account.queued), account.env, 2);
    expect(await alertRows(ticket.id)).toEqual([{ version: 1, rating: 1 }]);
    expect(await account.zendeskNotes()).toHaveLength(1);
  });

  it("alerts on a first answer whose form claimed an earlier answer the ticket does not have", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const form = await formFromPage(linkFields(ticket.id), { rating: "1", base_version: "5" }, account.env);
    expect((await call(postForm(form), account.env)).status).toBe(303);
    expect(await findAnswer(env.DB, ticket.id)).toMatchObject({ rating: 1, version: 1 });
    expect(lowRatingMessages(account.queued)).toEqual([lowRatingMessage(ticket.id, 1)]);
    await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(await alertRows(ticket.id)).toEqual([{ version: 1, rating: 1 }]);
    expect(await account.zendeskNotes()).toHaveLength(1);
  });

  it("raises nothing for a low answer that was not stored: a form from another device, or the same answer again", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const laptop = await formFromPage(linkFields(ticket.id), { rating: "4", comment: "Fine" }, account.env);
    const phone = await formFromPage(linkFields(ticket.id), { rating: "1" }, account.env);
    expect((await call(postForm(laptop), account.env)).status).toBe(303);
    // The phone's form was shown before the laptop's answer: the customer is asked to choose; nothing is raised.
    expect((await call(postForm(phone), account.env)).status).toBe(409);
    expect(await findAnswer(env.DB, ticket.id)).toMatchObject({ rating: 4, comment: "Fine" });
    expect(await followupRows(ticket.id)).toHaveLength(0);

    const edit = await formFromPage(linkFields(ticket.id), { rating: "2", comment: "It broke again" }, account.env);
    expect((await call(postForm(edit), account.env)).status).toBe(303);
    expect((await call(postForm(edit), account.env)).status).toBe(303); // a double click
    expect(lowRatingMessages(account.queued)).toEqual([lowRatingMessage(ticket.id, 2)]);
    await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(await alertRows(ticket.id)).toEqual([{ version: 2, rating: 2 }]);
  });

  it("records a closed ticket (Zendesk 422) as skipped, still tells Slack, and does not retry", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(10, { status: "closed" });
    await account.seed([ticket]);
    await answer(account, ticket.id, "2", "", "Billing");
    const result = await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(result.retryMessages).toHaveLength(0);
    const alert = await env.DB.prepare("SELECT * FROM low_rating_alerts WHERE ticket_id = ?")
      .bind(ticket.id)
      .first<Record<string, any>>();
    expect(alert).toMatchObject({ zendesk_status: "skipped", slack_status: "done" });
    expect(alert!.zendesk_detail).toContain("closed");
    expect((await account.slackRequests())[0]!.path).toContain("/B002/general"); // Billing has no webhook of its own: the default
  });

  it("retries only what failed: a Slack 500 is retried, the note is not added twice", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await fake("slackUrl").script([
      { method: "POST", path: `/t/${account.name}/services/`, status: 500, body: "internal_error" },
    ]);
    await answer(account, ticket.id, "1");
    const first = await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(first.retryMessages).toHaveLength(1);
    expect(await account.zendeskNotes()).toHaveLength(1);
    const second = await deliverQueue(lowRatingMessages(account.queued), account.env, 2);
    expect(second.explicitAcks).toHaveLength(1);
    expect(await account.zendeskNotes()).toHaveLength(1);
    const slack = await account.slackRequests();
    expect(slack).toHaveLength(2); // the failed one and the retry
    const alert = await env.DB.prepare("SELECT * FROM low_rating_alerts WHERE ticket_id = ?")
      .bind(ticket.id)
      .first<Record<string, any>>();
    expect(alert).toMatchObject({ zendesk_status: "done", slack_status: "done" });
  });

  it("an archived Slack channel (410 channel_is_archived) is a permanent failure, recorded with Slack's code", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await fake("slackUrl").script([
      { method: "POST", path: `/t/${account.name}/services/`, status: 410, body: "channel_is_archived" },
    ]);
    await answer(account, ticket.id, "2");
    const first = await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(first.retryMessages).toHaveLength(0);
    const again = await deliverQueue(lowRatingMessages(account.queued), account.env, 2);
    expect(again.retryMessages).toHaveLength(0);
    expect(await account.slackRequests()).toHaveLength(1); // never retried
    const alert = await env.DB.prepare("SELECT * FROM low_rating_alerts WHERE ticket_id = ?")
      .bind(ticket.id)
      .first<Record<string, any>>();
    expect(alert).toMatchObject({ zendesk_status: "done", slack_status: "failed" });
    expect(JSON.stringify(alert)).toContain("channel_is_archived");
  });

  it("a note whose answer was lost (posted, then a 500) is found on the ticket, not posted twice", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await failNextUpdate(account.name, ticket.id, { applyFirst: true }); // added; its answer never arrived
    await answer(account, ticket.id, "2", "lost in the post");
    const first = await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(first.retryMessages).toHaveLength(1);
    expect(await account.zendeskNotes()).toHaveLength(1);

    const second = await deliverQueue(lowRatingMessages(account.queued), account.env, 2);
    expect(second.explicitAcks).toHaveLength(1);
    expect(await account.zendeskNotes()).toHaveLength(1);
    const requests = await account.zendeskRequests();
    expect(requests.filter((r) => r.method === "PUT")).toHaveLength(1);
    const readBack = requests.filter((r) => r.path.endsWith(`/tickets/${ticket.id}/comments.json`));
    expect(readBack).toHaveLength(1);
    expect(readBack[0]!.query).toMatchObject({ sort_order: "desc" });
    const alert = await env.DB.prepare("SELECT zendesk_status FROM low_rating_alerts WHERE ticket_id = ?")
      .bind(ticket.id)
      .first();
    expect(alert).toEqual({ zendesk_status: "done" });
  });

  it("a note whose attempt met a 500 before reaching the ticket is posted once on the retry", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await failNextUpdate(account.name, ticket.id, { applyFirst: false });
    await answer(account, ticket.id, "1");
    await deliverQueue(lowRatingMessages(account.queued), account.env);
    expect(await account.zendeskNotes()).toHaveLength(0);
    await deliverQueue(lowRatingMessages(account.queued), account.env, 2);
    const notes = await account.zendeskNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain(`hedgehog-csat alert ${ticket.id}.1`);
    // Delivered once more: the note is done, nothing is read or posted again.
    await deliverQueue(lowRatingMessages(account.queued), account.env, 3);
    expect(await account.zendeskNotes()).toHaveLength(1);
  });

  it("writes Slack text that cannot break out of its formatting", () => {
    const { text } = slackMessage(
      { ticketId: 5, rating: 2, comment: "<!channel> hi\nsecond line", team: "<@U123>" },
      null,
    );
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<@U123>");
    expect(text).toContain("> &lt;!channel&gt; hi\n> second line");
  });
});
