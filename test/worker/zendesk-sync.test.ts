import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import type { ScriptedReply } from "../fakes/types";
import { BASE, call, dispatchAccount, fake, letPacingWindowPass, runCron, solvedTicket, textOf } from "./helpers";

const script = (replies: ScriptedReply[]) => fake("zendeskUrl").script(replies);

async function candidate(ticketId: number) {
  return env.DB.prepare("SELECT * FROM candidates WHERE ticket_id = ?").bind(ticketId).first<Record<string, any>>();
}

describe("syncing Zendesk's incremental ticket export", () => {
  it("follows the cursor across pages, sideloading requesters, groups and solve times", async () => {
    const account = await dispatchAccount();
    await account.configure({ pageSize: 2 });
    const tickets = Array.from({ length: 5 }, (_, i) => solvedTicket(10 - i));
    tickets[0]!.group = { id: 7, name: "Billing" };
    tickets[0]!.tags = ["Enterprise"];
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);

    const requests = await account.zendeskRequests();
    expect(requests.map((r) => (r.query.start_time ? "start" : "cursor"))).toEqual(["start", "cursor", "cursor"]);
    for (const r of requests) {
      expect(r.path).toBe(`/t/${account.name}/api/v2/incremental/tickets/cursor.json`);
      expect(r.query.include).toBe("users,groups,metric_sets");
      expect(r.query.per_page).toBe("1000");
      expect(r.headers.authorization).toBe(`Basic ${btoa("agent@example.com/token:test-zendesk-token")}`);
    }
    // The first run starts 30 days back (SURVEY_LOOKBACK_DAYS), not at the beginning of time.
    expect(Math.abs(Number(requests[0]!.query.start_time) - (Date.now() / 1000 - 30 * 86_400))).toBeLessThan(60);

    const first = await candidate(tickets[0]!.id);
    expect(first).toMatchObject({
      status: "solved",
      solved_at: Date.parse(tickets[0]!.solved_at!),
      requester_email: tickets[0]!.requester.email,
      requester_name: tickets[0]!.requester.name,
      requester_external_id: tickets[0]!.requester.external_id,
      requester_role: "end-user",
      group_name: "Billing",
      tags: '["enterprise"]',
    });
    for (const t of tickets) expect(await candidate(t.id)).not.toBeNull();
  });

  it("resumes from the saved cursor on the next run", async () => {
    const account = await dispatchAccount();
    await account.seed([solvedTicket(9)]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const later = solvedTicket(1);
    await account.seed([later]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const requests = await account.zendeskRequests();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.query.cursor).toBeTruthy();
    expect(requests[1]!.query.start_time).toBeUndefined();
    expect(await candidate(later.id)).not.toBeNull();
  });

  it("waits out a 429 for its Retry-After and retries a 500, losing nothing", async () => {
    const account = await dispatchAccount();
    await account.configure({ pageSize: 1 });
    const tickets = [solvedTicket(8), solvedTicket(7), solvedTicket(6)];
    await account.seed(tickets);
    const path = `/t/${account.name}/api/v2/incremental/tickets/cursor.json`;
    await script([
      { method: "GET", path, status: 429, headers: { "retry-after": "1" }, body: { error: "APIRateLimitExceeded" } },
    ]);
    const started = Date.now();
    await runCron(EVERY_TEN_MINUTES, Date.now(), { ...account.env, SURVEY_DELAY_DAYS: "3" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await account.seed([solvedTicket(5)]);
    await script([{ method: "GET", path, status: 500, body: { error: "InternalError" } }]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const statuses = (await account.zendeskRequests()).map((r) => r.query.start_time ?? "cursor");
    // Run 1: the 429, then the same first page again and two more (one ticket a page, the last ends the
    // stream). Run 2: the 500, then the same page again.
    expect(statuses).toHaveLength(1 + 3 + 1 + 1);
    expect(statuses[0]).toBe(statuses[1]); // the page after the 429 is the same request
    for (const t of tickets) expect(await candidate(t.id)).not.toBeNull();
    const run = await env.DB.prepare(
      "SELECT summary FROM job_runs WHERE job = 'every-ten-minutes' ORDER BY id DESC",
    ).first<{ summary: string }>();
    expect(JSON.parse(run!.summary).sync.errors[0]).toContain("500");
  });

  it("stops at a 429 it cannot wait for and resumes next run from the same place", async () => {
    const account = await dispatchAccount();
    const ticket = solvedTicket(4);
    await account.seed([ticket]);
    const path = `/t/${account.name}/api/v2/incremental/tickets/cursor.json`;
    await script([
      { method: "GET", path, status: 429, headers: { "retry-after": "600" }, body: { error: "APIRateLimitExceeded" } },
    ]);
    const started = Date.now();
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await candidate(ticket.id)).toBeNull();
    // A run within the Retry-After sends nothing at all.
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(await account.zendeskRequests()).toHaveLength(1);
    // Ten minutes on (the wait has passed), the next run resumes from the same place.
    await letPacingWindowPass(`zendesk-export:${account.env.ZENDESK_BASE_URL}`);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(await account.zendeskRequests()).toHaveLength(2);
    expect(await candidate(ticket.id)).not.toBeNull();
  });

  it("keeps going past a ticket that does not match the documented shape", async () => {
    const account = await dispatchAccount();
    const good = solvedTicket(4);
    const odd = solvedTicket(4);
    await account.seed([good, { ...odd, updated_at: "not a date" }]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    expect(await candidate(good.id)).not.toBeNull();
    expect(await candidate(odd.id)).toBeNull();
  });

  it("reads a page it could not read again with half as many tickets, says so, and loses no ticket", async () => {
    const account = await dispatchAccount();
    const tickets = Array.from({ length: 6 }, (_, i) => solvedTicket(9 - i));
    await account.seed(tickets);
    const path = `/t/${account.name}/api/v2/incremental/tickets/cursor.json`;
    // A proxy's error page with a 200, then Zendesk again.
    await script([
      { method: "GET", path, status: 200, body: "<html><body>Service Unavailable</body></html>", offContract: true },
    ]);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);

    const requests = await account.zendeskRequests();
    expect(requests.map((r) => r.query.per_page)).toEqual(["1000", "500"]);
    expect(requests[1]!.query.start_time).toBe(requests[0]!.query.start_time); // the same stretch again
    for (const t of tickets) expect(await candidate(t.id)).not.toBeNull();

    const run = await env.DB.prepare(
      "SELECT summary FROM job_runs WHERE job = 'every-ten-minutes' ORDER BY id DESC",
    ).first<{ summary: string }>();
    const sync = JSON.parse(run!.summary).sync;
    expect(sync.unreadable).toBe(1);
    expect(sync.errors[0]).toMatch(/export page \(1000 tickets a page\) could not be read \(not JSON/);

    const page = await call(
      new Request(`${BASE}/admin/dispatch`, { headers: { authorization: `Bearer ${account.env.ADMIN_TOKEN}` } }),
      account.env,
    );
    const admin = textOf(await page.text());
    expect(admin).toContain("Last page that could not be read");
    expect(admin).toContain("not JSON");
    // A page read whole at 500 tickets and far below the limit lets the next one be 1,000 again.
    expect(admin).not.toContain("Reading 500 tickets a page");
  });

  /** How many of these tickets the sync stored, and how many surveys were claimed for them. */
  async function storedAndClaimed(ids: number[]) {
    const json = JSON.stringify(ids);
    const count = async (sql: string) => (await env.DB.prepare(sql).bind(json).first<{ n: number }>())!.n;
    return {
      stored: await count("SELECT COUNT(*) AS n FROM candidates WHERE ticket_id IN (SELECT value FROM json_each(?))"),
      claimed: await count(
        "SELECT COUNT(*) AS n FROM survey_sends WHERE ticket_id IN (SELECT value FROM json_each(?))",
      ),
    };
  }

  it("reads export pages of 1,000 real tickets at about 5 MB and at over 40 MB, and claims each survey once", async () => {
    for (const size of [{ descriptionBytes: 3_000 }, { descriptionBytes: null, longLogShare: 1 }]) {
      const account = await dispatchAccount();
      await account.configure(size);
      const tickets = Array.from({ length: 1000 }, () => solvedTicket(4));
      await account.seed(tickets);
      await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
      await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
      const stats = await account.zendeskStats();
      expect(stats.exportBytes[0]).toBeGreaterThan("longLogShare" in size ? 40_000_000 : 5_000_000);
      expect(await storedAndClaimed(tickets.map((t) => t.id))).toEqual({ stored: 1000, claimed: 1000 });
      // Every page read whole at full size: nothing was asked for again.
      expect((await account.zendeskRequests()).every((r) => r.query.per_page === "1000")).toBe(true);
    }
  }, 120_000);

  it("a page cut off mid-body is recorded and read again in smaller pages; every ticket is claimed once", async () => {
    const account = await dispatchAccount();
    await account.configure({ descriptionBytes: 3_000, cutOffExports: { responses: 1, afterBytes: 1_000_000 } });
    const tickets = Array.from({ length: 1000 }, () => solvedTicket(4));
    await account.seed(tickets);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);

    const requests = await account.zendeskRequests();
    expect(requests[0]!.query.per_page).toBe("1000");
    expect(requests[1]!.query.per_page).toBe("500");
    expect(requests[1]!.query.start_time).toBe(requests[0]!.query.start_time);
    expect(await storedAndClaimed(tickets.map((t) => t.id))).toEqual({ stored: 1000, claimed: 1000 });

    const run = await env.DB.prepare(
      "SELECT summary FROM job_runs WHERE job = 'every-ten-minutes' ORDER BY id ASC",
    ).all<{ summary: string }>();
    const firstSync = JSON.parse(run.results.at(-2)!.summary).sync;
    expect(firstSync.unreadable).toBe(1);
    expect(firstSync.errors[0]).toMatch(/could not be read \(cut off of \d+\.\d MB\)/);
  }, 120_000);

  it("syncs nothing and says why when Zendesk is not configured", async () => {
    const account = await dispatchAccount({ ZENDESK_BASE_URL: "" });
    await runCron(EVERY_TEN_MINUTES, Date.now(), account.env);
    const run = await env.DB.prepare(
      "SELECT summary FROM job_runs WHERE job = 'every-ten-minutes' ORDER BY id DESC",
    ).first<{ summary: string }>();
    expect(JSON.parse(run!.summary).sync).toContain("not set");
  });
});
