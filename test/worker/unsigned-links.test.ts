import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { FollowupMessage } from "../../src/followups/owed";
import type { QueueMessage } from "../../src/queue-message";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import type { FakeTicket } from "../fakes/types";
import { crashBefore } from "./helpers/crash";
import {
  ADMIN_TOKEN,
  BASE,
  call,
  daysAgo,
  deliverQueue,
  dispatchAccount,
  fake,
  formFromPage,
  linkFields,
  postForm,
  runCron,
  signedUrl,
  solvedTicket,
  textOf,
  type DispatchAccount,
} from "./helpers";

/** The link a Zendesk automation puts in its email: no expiry, no signature. */
function automationLink(ticket: FakeTicket, overrides: Record<string, string> = {}) {
  const q = new URLSearchParams({
    distinct_id: ticket.requester.external_id ?? `zendesk-user-${ticket.requester.id}`,
    ticketId: String(ticket.id),
    team: "Whatever the automation typed",
    ...overrides,
  });
  return `${BASE}/?${q}`;
}

async function open(account: DispatchAccount, url: string) {
  const res = await call(new Request(url), account.env);
  return { status: res.status, html: await res.text() };
}

/** Submits the page's own form, as the customer's browser would. */
async function answer(account: DispatchAccount, url: string, rating: string, comment = "") {
  const page = await open(account, url);
  const form = new URLSearchParams();
  for (const m of page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    form.set(m[1]!, m[2]!.replace(/&amp;/g, "&"));
  form.set("rating", rating);
  form.set("comment", comment);
  return call(postForm(form), account.env);
}

const response = (ticketId: number) =>
  env.DB.prepare("SELECT rating, team, verified_by FROM responses WHERE ticket_id = ?").bind(ticketId).first<{
    rating: number;
    team: string;
    verified_by: string;
  }>();
const showManyRequests = async (account: DispatchAccount) =>
  (await account.zendeskRequests()).filter((r) => r.path.endsWith("/tickets/show_many.json"));

describe("unsigned links from a Zendesk automation", () => {
  it("are refused as incomplete while UNSIGNED_LINKS is off (the default)", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const page = await open(account, automationLink(ticket));
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain("The signature (sig) is missing");
    expect(await showManyRequests(account)).toHaveLength(0);
  });

  it("for a synced ticket: the survey shows, and the answer records the ticket's group and how it was verified", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify" });
    const ticket = solvedTicket(4, { group: { id: 9, name: "Billing" } });
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const url = automationLink(ticket, { team: "Product analytics" });
    const page = await open(account, url);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('name="sig"');
    const posted = await answer(account, url, "4", "Quick!");
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toMatch(/^\/thanks\?distinct_id=/);
    expect(await response(ticket.id)).toEqual({ rating: 4, team: "Billing", verified_by: "zendesk" });
    const thanks = await call(new Request(`${BASE}${posted.headers.get("location")}`), account.env);
    expect(textOf(await thanks.text())).toContain("You just fed hedgehog");
    expect(await showManyRequests(account)).toHaveLength(0); // the sync already knew the ticket
  });

  it("for a ticket the sync has not read yet: one Zendesk request, then the answer is cached", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify" });
    const ticket = solvedTicket(3.5, { requester: { ...solvedTicket(1).requester, external_id: null } });
    await account.seed([ticket]);
    const url = automationLink(ticket); // distinct_id zendesk-user-<id>: the requester has no external id
    expect((await open(account, url)).status).toBe(200);
    expect((await open(account, url)).status).toBe(200);
    expect((await answer(account, url, "5")).status).toBe(303);
    const requests = await showManyRequests(account);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.query).toMatchObject({ ids: String(ticket.id), include: "users,groups,metric_sets" });
    expect(await response(ticket.id)).toMatchObject({ rating: 5, verified_by: "zendesk" });
  });

  it("refuses another requester's distinct id (403) and records nothing, however the form is posted", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify" });
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const forged = automationLink(ticket, { distinct_id: "someone-else" });
    const page = await open(account, forged);
    expect(page.status).toBe(403);
    expect(textOf(page.html)).toContain("doesn't match its ticket");
    const form = new URLSearchParams({
      distinct_id: "someone-else",
      ticketId: String(ticket.id),
      team: "x",
      rating: "1",
    });
    expect((await call(postForm(form), account.env)).status).toBe(403);
    expect(await response(ticket.id)).toBeNull();
  });

  it("an unknown ticket gets a plain 404 and costs one Zendesk request, not one per view", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify" });
    const ghost = solvedTicket(4); // never seeded
    for (let i = 0; i < 3; i++) {
      const page = await open(account, automationLink(ghost));
      expect(page.status).toBe(404);
      expect(textOf(page.html)).toContain("We couldn't find this ticket");
    }
    expect(await showManyRequests(account)).toHaveLength(1);
    expect(await response(ghost.id)).toBeNull();
  });

  it("a ticket not solved yet (409) and one solved longer ago than the link lifetime (410) take no answer", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify" });
    const open_ = solvedTicket(4, { status: "open", solved_at: null });
    const old = solvedTicket(31, { solved_at: daysAgo(31) });
    await account.seed([open_, old]);
    const notSolved = await open(account, automationLink(open_));
    expect(notSolved.status).toBe(409);
    expect(textOf(notSolved.html)).toContain("This ticket isn't solved yet");
    expect((await open(account, automationLink(old))).status).toBe(410);
    const form = new URLSearchParams(new URL(automationLink(old)).searchParams);
    form.set("rating", "3");
    expect((await call(postForm(form), account.env)).status).toBe(410);
    expect(await response(old.id)).toBeNull();
  });

  it("says plainly when Zendesk cannot be asked, and records nothing", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify" });
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await fake("zendeskUrl").script([
      {
        method: "GET",
        path: `/t/${account.name}/api/v2/tickets/show_many.json`,
        status: 503,
        body: { error: "Unavailable" },
      },
    ]);
    const page = await open(account, automationLink(ticket));
    expect(page.status).toBe(503);
    expect(textOf(page.html)).toContain("Please try again in a minute");
  });
});

describe("keeping the Zendesk automation (SURVEY_EMAILS=off)", () => {
  it("syncs tickets for verification but selects, claims and sends no survey of its own", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify", SURVEY_EMAILS: "off" });
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(account.queued.filter((m) => m.kind === "survey-email")).toEqual([]);
    expect(await env.DB.prepare("SELECT 1 FROM survey_sends WHERE ticket_id = ?").bind(ticket.id).first()).toBeNull();
    // The sync read the ticket: its unsigned link needs no Zendesk request.
    expect((await answer(account, automationLink(ticket), "5")).status).toBe(303);
    expect(await showManyRequests(account)).toHaveLength(0);
  });
});

describe("switching SURVEY_EMAILS off with surveys already queued", () => {
  it("skips the claims made before the switch instead of sending them", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env); // claimed and queued while emails were on
    const off = { ...account.env, SURVEY_EMAILS: "off" };
    const result = await deliverQueue(
      account.queued.filter((m) => m.kind === "survey-email"),
      off,
    );
    expect(result.explicitAcks).toHaveLength(1);
    expect(await account.resendRequests()).toHaveLength(0);
    expect(
      await env.DB.prepare("SELECT status, reason FROM survey_sends WHERE ticket_id = ?").bind(ticket.id).first(),
    ).toEqual({ status: "skipped", reason: "SURVEY_EMAILS is off" });
  });
});

describe("the admin report", () => {
  it("shows how the month's answers were verified: signature or Zendesk", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify" });
    const month = new Date().toISOString().slice(0, 7);
    const report = async () => {
      const res = await call(
        new Request(`${BASE}/admin/report.json?month=${month}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        }),
        account.env,
      );
      return ((await res.json()) as { verifiedBy: { signature: number; zendesk: number } }).verifiedBy;
    };
    const before = await report();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    expect((await answer(account, automationLink(ticket), "3")).status).toBe(303);
    const after = await report();
    expect(after).toEqual({ signature: before.signature, zendesk: before.zendesk + 1 });
    const page = await call(
      new Request(`${BASE}/admin?month=${month}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      account.env,
    );
    expect(textOf(await page.text())).toContain(
      `Answers by how their link was verified: ${after.signature.toLocaleString("en-GB")} from signed links, ${after.zendesk.toLocaleString("en-GB")} from Zendesk links checked against the ticket.`,
    );
  });
});

describe("the rating on the Zendesk ticket", () => {
  const ratingMessages = (queued: QueueMessage[]) =>
    queued.filter((m): m is FollowupMessage => m.kind === "answer-followup" && m.followup === "ticket-rating");
  const ratingMessage = (ticketId: number, version: number): FollowupMessage => ({
    kind: "answer-followup",
    ticketId,
    version,
    followup: "ticket-rating",
  });
  const writeback = (ticketId: number) =>
    env.DB.prepare(
      "SELECT version, status, last_error FROM answer_followups WHERE ticket_id = ? AND kind = 'ticket-rating' ORDER BY version",
    )
      .bind(ticketId)
      .all<{ version: number; status: string; last_error: string | null }>();
  const fakeTicket = async (account: DispatchAccount, id: number) =>
    (
      (await (await fetch(`${inject("zendeskUrl")}/__fake/zendesk/${account.name}/tickets`)).json()) as FakeTicket[]
    ).find((t) => t.id === id)!;

  it("writes each answer and each edit into the ticket field with a csat_<rating> tag", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify", ZENDESK_CSAT_FIELD_ID: "360001" });
    const ticket = solvedTicket(4, { tags: ["billing"] });
    await account.seed([ticket]);
    const url = automationLink(ticket);
    await answer(account, url, "4");
    await deliverQueue(ratingMessages(account.queued), account.env);
    let zendesk = await fakeTicket(account, ticket.id);
    expect(zendesk.custom_fields).toEqual([{ id: 360001, value: 4 }]);
    expect(zendesk.tags).toEqual(["billing", "csat_4"]);

    await answer(account, url, "2", "Actually, it came back");
    await deliverQueue(ratingMessages(account.queued), account.env, 2);
    zendesk = await fakeTicket(account, ticket.id);
    expect(zendesk.custom_fields).toEqual([{ id: 360001, value: 2 }]);
    expect(zendesk.tags).toEqual(["billing", "csat_2"]);
    const puts = (await account.zendeskRequests()).filter(
      (r) => r.method === "PUT" && (r.body as { ticket: Record<string, unknown> }).ticket.custom_fields,
    );
    expect(puts).toHaveLength(2); // a redelivered message wrote nothing again
  });

  it("asks for the write-back even while Zendesk's token is missing: the consumer writes it once the token is there", async () => {
    const account = await dispatchAccount({ ZENDESK_CSAT_FIELD_ID: "360001" });
    const ticket = solvedTicket(4, { tags: ["billing"] });
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    // The answer arrives before ZENDESK_API_TOKEN was put.
    const withoutToken = { ...account.env, ZENDESK_API_TOKEN: undefined, ZENDESK_OAUTH_TOKEN: undefined };
    const link = await signedUrl(linkFields(ticket.id, { distinctId: `customer-${ticket.id}` }));
    const form = new URLSearchParams(new URL(link).searchParams);
    form.set("rating", "5");
    expect((await call(postForm(form), withoutToken)).status).toBe(303);
    // With the token in place, the consumer takes the message and writes the rating.
    await deliverQueue(ratingMessages(account.queued), account.env);
    const zendesk = await fakeTicket(account, ticket.id);
    expect(zendesk.custom_fields).toEqual([{ id: 360001, value: 5 }]);
    expect(zendesk.tags).toEqual(["billing", "csat_5"]);
  });

  it("stores an answer and its write-back request together: if the request cannot be written, neither is", async () => {
    const account = await dispatchAccount({ ZENDESK_CSAT_FIELD_ID: "360001" });
    const ticket = solvedTicket(4, { tags: ["billing"] });
    await account.seed([ticket]);
    const form = new URLSearchParams(new URL(await signedUrl(linkFields(ticket.id))).searchParams);
    form.set("rating", "3");
    const crash = crashBefore(account.env.DB, /INSERT INTO answer_followups/);
    const failed = await call(postForm(form), { ...account.env, DB: crash.db });
    expect(crash.crashed()).toBe(true);
    expect(failed.status).toBe(500);
    expect(await response(ticket.id)).toBeNull();

    expect((await call(postForm(form), account.env)).status).toBe(303);
    expect(await response(ticket.id)).toMatchObject({ rating: 3 });
    expect(ratingMessages(account.queued)).toEqual([ratingMessage(ticket.id, 1)]);
    await deliverQueue(ratingMessages(account.queued), account.env);
    expect((await fakeTicket(account, ticket.id)).custom_fields).toEqual([{ id: 360001, value: 3 }]);
  });

  it("asks for nothing more when a form from another device is refused", async () => {
    const account = await dispatchAccount({ ZENDESK_CSAT_FIELD_ID: "360001" });
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const laptop = await formFromPage(linkFields(ticket.id), { rating: "4" }, account.env);
    const phone = await formFromPage(linkFields(ticket.id), { rating: "2" }, account.env);
    expect((await call(postForm(laptop), account.env)).status).toBe(303);
    expect((await call(postForm(phone), account.env)).status).toBe(409);
    expect((await call(postForm(laptop), account.env)).status).toBe(303); // the laptop's answer again
    expect(ratingMessages(account.queued)).toEqual([ratingMessage(ticket.id, 1)]);
    expect((await writeback(ticket.id)).results).toEqual([{ version: 1, status: "pending", last_error: null }]);
  });

  it("a 429 on a ticket update holds off Zendesk's ticket reads too (one general API limit)", async () => {
    const account = await dispatchAccount({ UNSIGNED_LINKS: "verify", ZENDESK_CSAT_FIELD_ID: "360001" });
    const answered = solvedTicket(4);
    const unsynced = solvedTicket(3.5);
    await account.seed([answered]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await account.seed([unsynced]);
    await fake("zendeskUrl").script([
      {
        method: "PUT",
        path: `/t/${account.name}/api/v2/tickets/${answered.id}.json`,
        status: 429,
        headers: { "retry-after": "60" },
        body: { error: "APIRateLimitExceeded", description: "Number of allowed API requests per minute exceeded" },
      },
    ]);
    expect((await answer(account, automationLink(answered), "5")).status).toBe(303);
    const writeback = await deliverQueue(ratingMessages(account.queued), account.env);
    expect(writeback.retryMessages).toHaveLength(1);
    // Within the minute Zendesk asked for, a link that needs a ticket read is not checked against Zendesk.
    const page = await open(account, automationLink(unsynced));
    expect(page.status).toBe(503);
    expect(await showManyRequests(account)).toHaveLength(0);
  });

  it("records a closed ticket as skipped and never retries it", async () => {
    const account = await dispatchAccount({ ZENDESK_CSAT_FIELD_ID: "360001" });
    const ticket = solvedTicket(4, { status: "closed" });
    await account.seed([ticket]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const form = new URLSearchParams(new URL(automationLink(ticket)).searchParams);
    // A signed link's answer is written back too.
    const { buildSurveyUrl, expiryFrom } = await import("../../src/lib/survey-link");
    const signed = await buildSurveyUrl(
      BASE,
      {
        distinctId: form.get("distinct_id")!,
        ticketId: ticket.id,
        team: "Product analytics",
        exp: expiryFrom(new Date(), 30),
      },
      env.SURVEY_LINK_SECRET!,
    );
    await answer(account, signed, "5");
    const result = await deliverQueue(ratingMessages(account.queued), account.env);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
    const [row] = (await writeback(ticket.id)).results;
    expect(row).toMatchObject({ status: "skipped" });
    expect(row!.last_error).toContain("closed");
    // The ten-minute cron an hour later does not queue it again (it would requeue what other tests
    // left pending, so only this ticket's messages are counted).
    await runCron(EVERY_TEN_MINUTES, Date.now() + 3_600_000, account.env);
    expect(ratingMessages(account.queued).filter((m) => m.ticketId === ticket.id)).toHaveLength(1);
  });
});
