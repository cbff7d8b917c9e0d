// A low rating on a PostHog Support ticket becomes one private note on the ticket
// (POST …/tickets/:id/reply/ with is_private: true), once, however its delivery is retried.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FollowupMessage } from "../../src/followups/owed";
import type { QueueMessage } from "../../src/queue-message";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import { call, deliverQueue, postForm, posthog, recordingQueue, runCron } from "./helpers";
import { resolvedTicket, supportAccount } from "./helpers/posthog-support";

type Account = Awaited<ReturnType<typeof supportAccount>>;

/** PostHog's gateway answers the ticket's next reply with `status`, after PostHog stored it (`stored`) or not. */
const gatewayFailsNextReply = (account: Account, ticketId: string, status: number, stored: boolean) =>
  posthog.script([
    {
      method: "POST",
      path: `/api/projects/${account.projectId}/conversations/tickets/${ticketId}/reply/`,
      applyFirst: stored,
      status,
      body: `<html><body>${status} from the gateway</body></html>`,
    },
  ]);

const lowRatingMessages = (queued: QueueMessage[]) =>
  queued.filter((m): m is FollowupMessage => m.kind === "answer-followup" && m.followup === "low-rating-alert");

/** A resolved ticket surveyed by the dispatcher and answered through its email's link; the alert's queue messages. */
async function answeredLow(account: Account, rating: string, comment: string) {
  const ticket = resolvedTicket(2);
  await account.seedSupport([ticket]);
  await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
  await deliverQueue(account.queued, account.env);
  const [email] = await account.resendSent();
  const link = new URL(/href="([^"]+)"/.exec(email!.html.replace(/&amp;/g, "&"))![1]!);
  const form = new URLSearchParams(link.search);
  form.set("rating", rating);
  form.set("comment", comment);
  const { queue, queued } = recordingQueue();
  expect((await call(postForm(form), { ...account.env, DISPATCH: queue })).status).toBe(303);
  const key = (await env.DB.prepare("SELECT ticket_key FROM posthog_support_tickets WHERE ticket_uuid = ?")
    .bind(ticket.id)
    .first<{ ticket_key: number }>())!.ticket_key;
  return { ticket, key, alerts: lowRatingMessages(queued) };
}

async function notesOf(account: Account, ticketId: string) {
  const all = (await fetch(`${posthog.url()}/__fake/posthog-support/${account.projectId}/messages`).then((r) =>
    r.json(),
  )) as Array<{ ticket_id: string; content: string; is_private: boolean; author_type: string }>;
  return all.filter((m) => m.ticket_id === ticketId);
}

const noteStatus = (key: number) =>
  env.DB.prepare("SELECT zendesk_status AS status, zendesk_detail AS detail FROM low_rating_alerts WHERE ticket_id = ?")
    .bind(key)
    .first<{ status: string; detail: string | null }>();

describe("PostHog Support: a low rating as a private note", () => {
  it("adds one private note with the rating and comment, and nothing more when delivered again", async () => {
    const account = await supportAccount();
    const { ticket, key, alerts } = await answeredLow(account, "1", "Nobody answered for a week");
    expect(alerts).toHaveLength(1);
    await deliverQueue(alerts, account.env);
    const notes = await notesOf(account, ticket.id);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ is_private: true, author_type: "support" });
    expect(notes[0]!.content).toContain("CSAT survey answer: 1/5 (Very dissatisfied)");
    expect(notes[0]!.content).toContain("Comment: Nobody answered for a week");
    const posts = (await account.supportRequests()).filter((r) => r.method === "POST");
    expect(posts.map((r) => r.path)).toEqual([
      `/api/projects/${account.projectId}/conversations/tickets/${ticket.id}/reply/`,
    ]);
    expect(posts[0]!.body).toMatchObject({ is_private: true });
    expect(await noteStatus(key)).toMatchObject({ status: "done" });

    await deliverQueue(alerts, account.env, 2);
    expect(await notesOf(account, ticket.id)).toHaveLength(1);
  });

  it("posts the note once when PostHog stored it but the answer was lost (a 504), reading the thread before trying again", async () => {
    const account = await supportAccount();
    const { ticket, key, alerts } = await answeredLow(account, "2", "Slow");
    await gatewayFailsNextReply(account, ticket.id, 504, true);
    const first = await deliverQueue(alerts, account.env);
    expect(first.retryMessages).toHaveLength(1);
    expect(await noteStatus(key)).toMatchObject({ status: "pending" });
    expect(await notesOf(account, ticket.id)).toHaveLength(1); // PostHog kept it

    const second = await deliverQueue(alerts, account.env, 2);
    expect(second.retryMessages).toHaveLength(0);
    expect(await notesOf(account, ticket.id)).toHaveLength(1);
    expect(await noteStatus(key)).toMatchObject({
      status: "done",
      detail: "found on the ticket after an attempt with no answer",
    });
    const requests = await account.supportRequests();
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(requests.some((r) => r.path.endsWith(`/tickets/${ticket.id}/messages/`))).toBe(true);
  });

  it("posts it on the next try when the lost attempt was not stored", async () => {
    const account = await supportAccount();
    const { ticket, key, alerts } = await answeredLow(account, "1", "");
    await gatewayFailsNextReply(account, ticket.id, 502, false);
    await deliverQueue(alerts, account.env);
    expect(await notesOf(account, ticket.id)).toHaveLength(0);
    await deliverQueue(alerts, account.env, 2);
    const notes = await notesOf(account, ticket.id);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.content).toContain("No comment was left.");
    expect(await noteStatus(key)).toMatchObject({ status: "done" });
  });

  it("records why when the key lacks ticket:write, and does not try again", async () => {
    const account = await supportAccount();
    const { ticket, key, alerts } = await answeredLow(account, "1", "x");
    const readOnly = { ...account.env, POSTHOG_PERSONAL_API_KEY: "phx_support_read_only" };
    const result = await deliverQueue(alerts, readOnly);
    expect(result.retryMessages).toHaveLength(0);
    expect(await notesOf(account, ticket.id)).toHaveLength(0);
    const status = await noteStatus(key);
    expect(status?.status).toBe("failed");
    expect(status?.detail).toContain("API key missing required scope 'ticket:write'");
  });
});
