import { describe, expect, it } from "vitest";
import { csvField } from "../../src/admin/csv";
import { ADMIN_TOKEN, BASE, call, solvedTicket, storeAnswer, syncedTickets, textOf } from "./helpers";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const get = (path: string) => call(new Request(`${BASE}${path}`, { headers: auth }));
let ticket = 8_000_000 + Math.floor(Math.random() * 100_000) * 10;

const seed = (at: string, team: string, rating: number, comment: string | null, distinctId = "d-1") =>
  storeAnswer({ ticketId: ticket++, team, rating, comment, distinctId, at: Date.parse(at) });

describe("admin report pages", () => {
  it("shows the month's report with its hedgehogs, donation, teams and both charts", async () => {
    const now = new Date();
    const month = now.toISOString().slice(0, 7);
    await seed(now.toISOString(), "Feature flags", 5, null);
    await seed(now.toISOString(), "Feature flags", 2, null);
    const res = await get(`/admin?month=${month}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const text = textOf(html);
    expect(text).toContain("hedgehogs fed so far");
    expect(text).toMatch(/Feature flags \d+ [\d.]+% [\d.]+/);
    // Each chart drawn for a desktop and for a phone.
    expect(html.match(/<svg class="chart chart-wide"/g)).toHaveLength(2);
    expect(html.match(/<svg class="chart chart-narrow"/g)).toHaveLength(2);
    expect(html).toContain('aria-label="Hedgehogs fed per month"');
    expect(html).toContain('aria-label="CSAT (share of 4-5 ratings) by team and month"');
    expect(html).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="3" fill="#[0-9a-f]{6}"><title>Feature flags/);
  });

  it("says one hedgehog in the singular", async () => {
    // The first answer of all (the running total counts every month up to the report's).
    await seed("1999-02-10T10:00:00Z", "Billing", 4, null);
    const text = textOf(await (await get("/admin?month=1999-02")).text());
    expect(text).toContain("1 hedgehog fed so far.");
    expect(text).not.toContain("1 hedgehogs");
  });

  it("refuses a malformed month (400) and serves the report as JSON", async () => {
    expect((await get("/admin?month=2026-13")).status).toBe(400);
    expect((await get("/admin/report.json?month=last")).status).toBe(400);
    await seed("2016-05-10T10:00:00Z", "Billing", 4, "fine");
    const json = await (await get("/admin/report.json?month=2016-05")).json<Record<string, any>>();
    expect(json).toMatchObject({ month: "2016-05", responses: 1, csat: 1, hedgehogs: 1, emailedAt: null });
  });

  it("lists recent low ratings with team, comment and ticket link, escaping what customers wrote", async () => {
    const id = await seed(new Date().toISOString(), "Surveys", 1, `<img src=x onerror=alert(1)> "bad"`);
    const html = await (await get("/admin/low-ratings")).text();
    expect(html).toContain(`#${id}`);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt; &quot;bad&quot;");
    expect(html).not.toContain("<img src=x");
  });

  it("downloads responses for a date range as CSV, quoting and defusing formulas", async () => {
    await seed("2015-03-03T10:00:00Z", "Billing", 5, "great, thanks");
    await seed("2015-03-04T10:00:00Z", "Billing", 1, '=HYPERLINK("http://evil")');
    await seed("2015-04-01T10:00:00Z", "Billing", 3, "next month");
    const res = await get("/admin/responses.csv?from=2015-03-01&to=2015-03-31");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain('filename="responses-2015-03-01-to-2015-03-31.csv"');
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "ticket_id,team,rating,comment,distinct_id,initial_target_area,first_submitted_at,updated_at,ticket_source",
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',Billing,5,"great, thanks",d-1,,2015-03-03T10:00:00.000Z,');
    expect(lines[2]).toContain(`,Billing,1,"'=HYPERLINK(""http://evil"")",`);
  });

  it("defuses formulas in their full-width forms and after a tab, CR or LF, in both CSV downloads", async () => {
    const starts = ["＝", "＋", "－", "＠", "\t", "\r", "\n"];
    const day = (i: number) => `2014-06-${String(10 + i).padStart(2, "0")}T10:00:00Z`;
    for (const [i, start] of starts.entries()) {
      await seed(day(i), `${start}SUM(1;2)`, 3, `${start}HYPERLINK("http://evil")`);
    }
    const text = await (await get("/admin/responses.csv?from=2014-06-01&to=2014-06-30")).text();
    for (const start of starts) {
      // The quote comes first in the cell, before the character a spreadsheet would start a formula at.
      expect(text).toMatch(new RegExp(`,"?'${start}SUM\\(1;2\\)"?,3,"'${start}HYPERLINK\\(""http://evil""\\)",`));
    }
    // An assignee's name from Zendesk reaches the breakdowns' CSV.
    const assigned = solvedTicket(1, { assignee: { id: 77, name: "＠SUM(1;2)" } });
    await syncedTickets([assigned]);
    await storeAnswer({ ticketId: assigned.id, team: "Support", rating: 4, at: Date.parse("2014-07-02T10:00:00Z") });
    const report = await (await get("/admin/report.csv?month=2014-07")).text();
    expect(report).toContain("\r\n2014-07,assignee,'＠SUM(1;2),1,,,,,\r\n");
  });

  it("answers bad CSV ranges with 400 and a message", async () => {
    for (const q of [
      "",
      "?from=2015-03-01",
      "?from=yesterday&to=today",
      "?from=2015-03-05&to=2015-03-01",
      "?from=2010-01-01&to=2015-01-01",
    ]) {
      const res = await get(`/admin/responses.csv${q}`);
      expect(res.status, q).toBe(400);
      expect((await res.json<{ error: string }>()).error).toBeTruthy();
    }
  });

  it("quotes CSV fields as RFC 4180 asks", () => {
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("＋1")).toBe("'＋1");
    expect(csvField("a＝b")).toBe("a＝b");
    expect(csvField(null)).toBe("");
    expect(csvField(-3)).toBe("-3");
  });
});
