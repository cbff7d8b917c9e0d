// The loopback fakes against the vendors' own API descriptions (test/contracts, derived by
// scripts/derive-contracts.ts): the fakes check in node every request body the product sends and
// every 200 answer they give (test/fakes/contracts.ts); these tests run the product's real flows
// through them, prove the check catches what is off, and pin the Zendesk fake's documented
// behaviours the sync depends on (per_page, real page sizes, a page cut off mid-body).
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { QueueMessage } from "../../src/queue-message";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import type { ContractViolation, FakeTicket } from "../fakes/types";
import { controlZendesk } from "../fakes/zendesk-control";
import {
  BASE,
  CONTRACT_PROBE_PREFIX,
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

const zendeskAuth = { authorization: `Basic ${btoa("agent@example.com/token:test-zendesk-token")}` };
const ofKind = (queued: QueueMessage[], kind: QueueMessage["kind"]) => queued.filter((m) => m.kind === kind);

async function violationsOf(prefix: string): Promise<ContractViolation[]> {
  const all = [...(await fake("zendeskUrl").contractViolations()), ...(await fake("resendUrl").contractViolations())];
  return all.filter((v) => v.path.startsWith(prefix));
}
const candidate = (ticketId: number) =>
  env.DB.prepare("SELECT requester_email FROM candidates WHERE ticket_id = ?").bind(ticketId).first();

/** A ticket solved days ago, with an assignee, reply times and a plan field, as the support context reads it. */
function fullTicket(days: number): FakeTicket {
  return solvedTicket(days, {
    assignee: { id: 90_001, name: "Agent Hedgehog" },
    metrics: { reply_minutes: 42, full_resolution_minutes: 600, reopens: 1, replies: 3 },
    custom_fields: [{ id: 360002, value: "scale" }],
  });
}

describe("the product's requests and the fakes' answers, held to the vendors' API descriptions", () => {
  it("a sync, survey emails, an unsigned link, a low rating's note (read back once) and its write-back stay on the contracts", async () => {
    const account = await dispatchAccount({
      UNSIGNED_LINKS: "verify",
      ZENDESK_CSAT_FIELD_ID: "360001",
      ZENDESK_PLAN_FIELD_ID: "360002",
    });
    // Every ticket's first message carries a pasted log of about 40 KB.
    await account.configure({ longLogShare: 1 });
    const tickets = [fullTicket(3.5), fullTicket(3.6), solvedTicket(3.7)];
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await deliverQueue(ofKind(account.queued, "survey-email"), account.env);
    expect((await account.resendSent()).map((e) => e.to[0]).sort()).toEqual(
      tickets.map((t) => t.requester.email).sort(),
    );
    expect((await account.zendeskStats()).exportBytes[0]).toBeGreaterThan(3 * 40_000);

    // A ticket the sync has not read yet, answered through an automation's unsigned link: show_many.
    const unsynced = solvedTicket(3.5);
    await account.seed([unsynced]);
    const link = `${BASE}/?${new URLSearchParams({ distinct_id: unsynced.requester.external_id!, ticketId: String(unsynced.id), team: "x" })}`;
    expect((await call(new Request(link), account.env)).status).toBe(200);

    // A low rating: its note's answer is lost after Zendesk added it, so the retry reads the comments back.
    const low = tickets[0]!;
    await fake("zendeskUrl").script([
      {
        method: "PUT",
        path: `/t/${account.name}/api/v2/tickets/${low.id}.json`,
        bodyIncludes: '"comment"',
        applyFirst: true,
        status: 500,
        body: { error: "InternalError" },
      },
    ]);
    const res = await call(
      postForm(await formFromPage(linkFields(low.id), { rating: "1", comment: "nobody answered" }, account.env)),
      account.env,
    );
    expect(res.status).toBe(303);
    // The note's first answer is lost (a 500 after Zendesk stored it): the retry reads it back.
    const followups = ofKind(account.queued, "answer-followup");
    await deliverQueue(followups, account.env);
    await deliverQueue(followups, account.env, 2);

    const notes = await account.zendeskNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ ticketId: low.id, public: false });
    const zendeskTickets: FakeTicket[] = await (
      await fetch(`${inject("zendeskUrl")}/__fake/zendesk/${account.name}/tickets`)
    ).json();
    const written = zendeskTickets.find((t) => t.id === low.id)!;
    expect(written.custom_fields).toContainEqual({ id: 360001, value: 1 });
    expect(written.tags).toContain("csat_1");

    // Every endpoint the product uses was called, and nothing sent or answered is off the contracts.
    const zendesk = await account.zendeskRequests();
    const seen = new Set(
      zendesk.map((r) => `${r.method} ${r.path.slice(`/t/${account.name}`.length).replace(/\d+/g, "N")}`),
    );
    expect([...seen].sort()).toEqual([
      "GET /api/vN/incremental/tickets/cursor.json",
      "GET /api/vN/tickets/N/comments.json",
      "GET /api/vN/tickets/show_many.json",
      "PUT /api/vN/tickets/N.json",
    ]);
    expect((await account.resendRequests()).map((r) => r.path)).toEqual([`/t/${account.name}/emails/batch`]);
    expect(await violationsOf(`/t/${account.name}/`)).toEqual([]);
  }, 30_000);

  it("a request or an answer off the contract is caught, with what is wrong", async () => {
    const probe = `${CONTRACT_PROBE_PREFIX.slice(3)}-${Date.now().toString(36)}`;
    await controlZendesk(inject("zendeskUrl"), probe, "config", {});
    const zendesk = `${inject("zendeskUrl")}/t/${probe}`;
    // A misspelt field Zendesk would silently ignore, and a ticket field without its id.
    await fetch(`${zendesk}/api/v2/tickets/1.json`, {
      method: "PUT",
      headers: { ...zendeskAuth, "content-type": "application/json" },
      body: JSON.stringify({ ticket: { additonal_tags: ["csat_5"], custom_fields: [{ value: 5 }] } }),
    });
    // An export page Zendesk would never send, and one a test sends on purpose (offContract: not checked).
    const exportPath = `/t/${probe}/api/v2/incremental/tickets/cursor.json`;
    await fake("zendeskUrl").script([
      { method: "GET", path: exportPath, status: 200, body: { tickets: [{ id: "12" }], end_of_stream: "yes" } },
      { method: "GET", path: exportPath, status: 200, body: { tickets: "none" }, offContract: true },
    ]);
    for (let i = 0; i < 2; i++)
      await fetch(`${zendesk}/api/v2/incremental/tickets/cursor.json?start_time=1&include=users,groups,metric_sets`, {
        headers: zendeskAuth,
      });
    // Resend: a recipient list that is empty and a subject that is not text.
    await fetch(`${inject("resendUrl")}/t/${probe}/emails/batch`, {
      method: "POST",
      headers: { authorization: "Bearer re_test_key", "user-agent": "probe", "content-type": "application/json" },
      body: JSON.stringify([{ from: "a@example.com", to: [], subject: 5, text: "hi" }]),
    });

    const caught = await violationsOf(`/t/${probe}/`);
    expect(caught.map((v) => `${v.operation} ${v.direction}`)).toEqual([
      "UpdateTicket request",
      "IncrementalTicketExportCursor answer",
      "emails/send-batch request",
    ]);
    expect(caught[0]!.errors.join("\n")).toContain("additonal_tags");
    expect(caught[0]!.errors.join("\n")).toMatch(/custom_fields\/0 must have required property 'id'/);
    expect(caught[1]!.errors.join("\n")).toMatch(/\/tickets\/0\/id must be integer/);
    expect(caught[1]!.errors.join("\n")).toMatch(/\/end_of_stream must be boolean/);
    expect(caught[2]!.errors.join("\n")).toMatch(/\/0\/subject must be string/);
  });
});

describe("the Zendesk fake's export, as Zendesk documents it", () => {
  const exportUrl = (account: DispatchAccount, query: Record<string, string>) =>
    `${inject("zendeskUrl")}/t/${account.name}/api/v2/incremental/tickets/cursor.json?${new URLSearchParams({
      start_time: String(Math.floor(Date.now() / 1000) - 30 * 86_400),
      include: "users,groups,metric_sets",
      ...query,
    })}`;

  it("honours per_page from 1 to 1000 and refuses anything else with Zendesk's 400", async () => {
    const account = await dispatchAccount();
    await account.seed(Array.from({ length: 3 }, (_, i) => solvedTicket(10 - i)));
    const two = await fetch(exportUrl(account, { per_page: "2" }), { headers: zendeskAuth });
    expect(two.status).toBe(200);
    const page = (await two.json()) as { tickets: unknown[]; end_of_stream: boolean };
    expect(page.tickets).toHaveLength(2);
    expect(page.end_of_stream).toBe(false);
    for (const perPage of ["0", "1001", "abc", "1e3", ""]) {
      const res = await fetch(exportUrl(account, { per_page: perPage }), { headers: zendeskAuth });
      expect(res.status, `per_page=${perPage}`).toBe(400);
      expect(await res.json()).toMatchObject({ error: "InvalidPaginationParameter" });
    }
  });

  it("serves real pages: 1000 tickets are megabytes, one in fifty with a pasted log, every field at its size", async () => {
    const account = await dispatchAccount();
    await account.seed(Array.from({ length: 1000 }, () => solvedTicket(5)));
    const res = await fetch(exportUrl(account, {}), { headers: zendeskAuth });
    const text = await res.text();
    expect(text.length).toBeGreaterThan(5_000_000);
    const page = JSON.parse(text) as { tickets: Array<Record<string, any>>; users: unknown[]; metric_sets: unknown[] };
    expect(page.tickets).toHaveLength(1000);
    const logs = page.tickets.filter((t) => t.description.length > 40_000).length;
    expect(logs).toBeGreaterThan(5);
    expect(logs).toBeLessThan(50);
    const t = page.tickets[0]!;
    expect(t.description.length).toBeGreaterThan(1000);
    expect(t.custom_fields).toHaveLength(20);
    expect(t.custom_fields.filter((f: { value: unknown }) => f.value === null).length).toBeGreaterThan(10);
    for (const field of ["via", "satisfaction_rating", "collaborator_ids", "follower_ids", "email_cc_ids"])
      expect(t).toHaveProperty(field);
    for (const field of ["sharing_agreement_ids", "custom_status_id", "generated_timestamp", "url", "raw_subject"])
      expect(t).toHaveProperty(field);
    // The same ticket looks the same on every read.
    const again = await (await fetch(exportUrl(account, {}), { headers: zendeskAuth })).text();
    expect(again).toBe(text);
    expect(page.users).toHaveLength(1000);
    expect(page.metric_sets).toHaveLength(1000);
  }, 30_000);

  it("makes pages of a chosen size: every description N bytes, or every ticket with a 40 KB log", async () => {
    const account = await dispatchAccount();
    await account.seed(Array.from({ length: 10 }, () => solvedTicket(5)));
    await account.configure({ descriptionBytes: 10_000 });
    const sized = (await (await fetch(exportUrl(account, {}), { headers: zendeskAuth })).json()) as {
      tickets: Array<{ description: string }>;
    };
    expect(sized.tickets.map((t) => new TextEncoder().encode(t.description).length)).toEqual(Array(10).fill(10_000));
    await account.configure({ descriptionBytes: null, longLogShare: 1 });
    const logged = (await (await fetch(exportUrl(account, {}), { headers: zendeskAuth })).json()) as {
      tickets: Array<{ description: string }>;
    };
    for (const t of logged.tickets) expect(t.description.length).toBeGreaterThan(40_000);
    expect((await account.zendeskStats()).exportBytes[1]).toBeGreaterThan(10 * 40_000);
  });

  it("a page cut off mid-body loses nothing: it is read again from the same place", async () => {
    const account = await dispatchAccount();
    const tickets = [solvedTicket(6), solvedTicket(5)];
    await account.seed(tickets);
    await account.configure({ cutOffExports: { responses: 1, afterBytes: 3000 } });
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    for (const t of tickets) expect(await candidate(t.id)).toMatchObject({ requester_email: t.requester.email });
    const requests = await account.zendeskRequests();
    // The cut page moved nothing: the next request asked from the same start, for fewer tickets.
    expect(requests[1]!.query.start_time).toBe(requests[0]!.query.start_time);
    expect(Number(requests[1]!.query.per_page)).toBeLessThan(Number(requests[0]!.query.per_page));
    expect((await account.zendeskStats()).exportBytes[0]).toBeGreaterThan(3000); // cut before its end
  });

  it("syncs a real page of 1000 tickets", async () => {
    const account = await dispatchAccount();
    const tickets = Array.from({ length: 1000 }, () => solvedTicket(10));
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const { n } = (await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM candidates WHERE ticket_id IN (SELECT value FROM json_each(?))",
    )
      .bind(JSON.stringify(tickets.map((t) => t.id)))
      .first<{ n: number }>())!;
    expect(n).toBe(1000);
  }, 60_000);
});
