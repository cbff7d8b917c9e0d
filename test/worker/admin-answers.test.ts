import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, BASE, call, solvedTicket, storeAnswer, syncedTickets, textOf } from "./helpers";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const get = (path: string, headers: Record<string, string> = auth) => call(new Request(`${BASE}${path}`, { headers }));
let ticket = 9_000_000 + Math.floor(Math.random() * 100_000) * 10;
const suffix = Math.random().toString(36).slice(2, 8);

const seed = (at: string, team: string, rating: number, comment: string | null) =>
  storeAnswer({ ticketId: ticket++, team, rating, comment, distinctId: "d", at: Date.parse(at) });

/** The ticket numbers in the answers table, in order. */
const ticketsOn = (html: string) => [...html.matchAll(/<td>#(\d+)<\/td>/g)].map((m) => Number(m[1]));
const olderLink = (html: string) =>
  /href="(\/admin\/answers\?[^"]*cursor=[^"]*)">Older answers/.exec(html)?.[1]?.replace(/&amp;/g, "&");

describe("the answers page", () => {
  it("lists every answer with date, team, rating and comment, filtered by month, team and rating", async () => {
    const team = `Billing ${suffix}`;
    const five = await seed("2014-03-03T10:00:00Z", team, 5, "Quick and kind");
    const one = await seed("2014-03-04T10:00:00Z", team, 1, "Took <b>ages</b>");
    const other = await seed("2014-03-05T10:00:00Z", `Other ${suffix}`, 4, null);
    const april = await seed("2014-04-01T10:00:00Z", team, 5, "next month");
    const all = await get(`/admin/answers?month=2014-03&team=${encodeURIComponent(team)}`);
    expect(all.status).toBe(200);
    const html = await all.text();
    expect(ticketsOn(html)).toEqual([one, five]);
    const text = textOf(html);
    expect(text).toContain(`2014-03-04 10:00 UTC #${one} ${team} 1 Took &lt;b&gt;ages&lt;/b&gt;`);
    expect(text).toContain(`2014-03-03 10:00 UTC #${five} ${team} 5 Quick and kind`);
    expect(html).not.toContain("<b>ages</b>");
    expect(ticketsOn(await (await get(`/admin/answers?month=2014-03&rating=4`)).text())).toContain(other);
    const low = await (await get(`/admin/answers?month=2014-03&team=${encodeURIComponent(team)}&rating=1`)).text();
    expect(ticketsOn(low)).toEqual([one]);
    const everyMonth = await (await get(`/admin/answers?team=${encodeURIComponent(team)}`)).text();
    expect(ticketsOn(everyMonth)).toEqual([april, one, five]);
  });

  it("links each answer to its Zendesk ticket when Zendesk is configured", async () => {
    const id = await seed("2014-05-02T10:00:00Z", `Links ${suffix}`, 3, null);
    const { testEnv } = await import("./helpers");
    const res = await call(
      new Request(`${BASE}/admin/answers?month=2014-05`, { headers: auth }),
      testEnv({ ZENDESK_BASE_URL: "https://acme.zendesk.com" }),
    );
    expect(await res.text()).toContain(`href="https://acme.zendesk.com/agent/tickets/${id}"`);
  });

  it("counts the ratings 1 to 5 for the chosen month and team", async () => {
    const team = `Flags ${suffix}`;
    for (const rating of [5, 5, 4, 1]) await seed("2014-06-10T10:00:00Z", team, rating, null);
    const text = textOf(
      await (await get(`/admin/answers?month=2014-06&team=${encodeURIComponent(team)}&rating=5`)).text(),
    );
    expect(text).toContain(`Ratings (June 2014, ${team}) 4 answers.`);
    expect(text).toContain("5 · Very satisfied 2 50%");
    expect(text).toContain("4 · Satisfied 1 25%");
    expect(text).toContain("3 · Neutral 0 0%");
    expect(text).toContain("1 · Very dissatisfied 1 25%");
  });

  it("pages with a cursor: every answer once, in order, and the last page has no next link", async () => {
    const team = `Pager ${suffix}`;
    const ids: number[] = [];
    for (let i = 0; i < 55; i++)
      ids.push(await seed(`2013-07-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`, team, 3, null));
    const first = await (await get(`/admin/answers?month=2013-07&team=${encodeURIComponent(team)}`)).text();
    const next = olderLink(first)!;
    expect(next).toContain(`team=${encodeURIComponent(team).replace(/%20/g, "+")}`);
    const second = await (await get(next)).text();
    expect(olderLink(second)).toBeUndefined();
    expect(second).toContain("Newest answers");
    const seen = [...ticketsOn(first), ...ticketsOn(second)];
    expect(ticketsOn(first)).toHaveLength(50);
    expect(new Set(seen).size).toBe(55);
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it("answers missing, malformed, oversized or forged filters with 400, never a 500", async () => {
    for (const q of [
      "month=2014-13",
      "month=March",
      "rating=6",
      "rating=abc",
      "cursor=abc",
      "cursor=1-2-3",
      `cursor=${"9".repeat(40)}-1`,
      `team=${"x".repeat(201)}`,
    ]) {
      const res = await get(`/admin/answers?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json(), q).toHaveProperty("error");
    }
    // Empty fields are the filter's "All …" choices; a repeated field counts once.
    expect((await get("/admin/answers?month=&team=&rating=&cursor=")).status).toBe(200);
    expect((await get("/admin/answers?rating=2&rating=9")).status).toBe(200);
    expect((await get("/admin/answers", {})).status).toBe(401);
  });
});

describe("the donor's email preview", () => {
  it("shows any month's email and stores or sends nothing", async () => {
    await seed("2012-02-10T10:00:00Z", `Preview ${suffix}`, 5, null);
    const res = await get("/admin/report/preview?month=2012-02");
    expect(res.status).toBe(200);
    const text = textOf(await res.text());
    expect(text).toContain("A preview: nothing is stored or sent.");
    expect(text).toMatch(/Subject Hedgehog donation report for February 2012: \d+ hedgehogs?, £/);
    expect(text).toContain("Hedgehog donation report: February 2012");
    const html = await get("/admin/report/preview.html?month=2012-02");
    expect(html.headers.get("content-security-policy")).toMatch(/^sandbox /);
    expect(await html.text()).toContain("February 2012");
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM monthly_reports WHERE month = '2012-02'").first();
    expect(stored).toEqual({ n: 0 });
    const outbox = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM outbox WHERE subject LIKE '%February 2012%'",
    ).first();
    expect(outbox).toEqual({ n: 0 });
  });

  it("refuses a malformed month with 400, and strangers with 401", async () => {
    for (const q of ["month=2012-00", "month=next", `month=${"2".repeat(300)}`]) {
      expect((await get(`/admin/report/preview?${q}`)).status, q).toBe(400);
      expect((await get(`/admin/report/preview.html?${q}`)).status, q).toBe(400);
    }
    expect((await get("/admin/report/preview?month=2012-02", {})).status).toBe(401);
  });
});

describe("tickets waiting for their survey", () => {
  it("are counted on /admin/dispatch with when the first is due", async () => {
    const waiting = async () => {
      const text = textOf(await (await get("/admin/dispatch")).text());
      const m = /(\d+) tickets? solved less than 3 days ago wait/.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const before = await waiting();
    // Synced from the Zendesk stand-in, as in production.
    await syncedTickets([solvedTicket(0.5), solvedTicket(1), solvedTicket(5)]);
    // The two solved within three days wait; the one solved five days ago is due now, not waiting.
    expect(await waiting()).toBe(before + 2);
    expect(textOf(await (await get("/admin/dispatch")).text())).toMatch(
      /the first is due \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/,
    );
  });
});
