// Issue 12: the hedgehog ledger (/admin/donations) and the public counter (/hedgehogs, /hedgehogs.svg).
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import {
  allocate,
  buildLedger,
  ledgerPeriods,
  majorUnits,
  parseAmount,
  type DonationEntry,
} from "../../src/hedgehogs/ledger";
import { forgetHedgehogCounter, hedgehogBadge } from "../../src/hedgehogs/public-routes";
import { formatMoney } from "../../src/hedgehogs/report";
import { ADMIN_TOKEN, BASE, call, storeAnswer, testEnv, textOf } from "./helpers";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const terms = { hedgehogCostMinor: 500, currency: "GBP" };
let id = 0;
const entry = (e: Partial<DonationEntry>): DonationEntry => ({
  id: ++id,
  paidOn: "2026-02-01",
  amountMinor: 0,
  currency: "GBP",
  fromMonth: "2026-01",
  toMonth: "2026-01",
  reference: null,
  correctsId: null,
  createdAt: 0,
  ...e,
});

describe("ledger maths", () => {
  const tally = [
    { month: "2026-01", hedgehogs: 10 },
    { month: "2026-02", hedgehogs: 4 },
    { month: "2026-03", hedgehogs: 6 },
  ];

  it("balances over several months, a payment shared by what each month owed", () => {
    const l = buildLedger(tally, [entry({ amountMinor: 7000, fromMonth: "2026-01", toMonth: "2026-02" })], terms);
    expect(l).toMatchObject({ hedgehogs: 20, owedMinor: 10_000, paidMinor: 7000, balanceMinor: 3000 });
    expect(l.months.map((m) => [m.month, m.owedMinor, m.paidMinor, m.balanceMinor])).toEqual([
      ["2026-01", 5000, 5000, 0],
      ["2026-02", 2000, 2000, 0],
      ["2026-03", 3000, 0, 3000],
    ]);
  });

  it("a correction replaces the entry it corrects; the mistake stays listed", () => {
    const wrong = entry({ amountMinor: 50_000 });
    const right = entry({ amountMinor: 5000, correctsId: wrong.id });
    const l = buildLedger(tally, [wrong, right], terms);
    expect(l.paidMinor).toBe(5000);
    expect(l.entries.find((e) => e.id === wrong.id)!.correctedBy).toBe(right.id);
    // A correction to zero cancels; a correction of the correction replaces it in turn.
    const cancel = entry({ amountMinor: 0, correctsId: right.id });
    expect(buildLedger(tally, [wrong, right, cancel], terms).paidMinor).toBe(0);
  });

  it("keeps other currencies apart (never converted) and paid-ahead months", () => {
    const l = buildLedger(
      tally,
      [
        entry({ amountMinor: 1200, currency: "EUR" }),
        entry({ amountMinor: 2500, fromMonth: "2026-04", toMonth: "2026-04" }),
      ],
      terms,
    );
    expect(l.otherCurrencies).toEqual([{ currency: "EUR", amountMinor: 1200 }]);
    expect(l.months.at(-1)).toMatchObject({ month: "2026-04", owedMinor: 0, paidMinor: 2500, balanceMinor: -2500 });
    expect(l.paidMinor).toBe(2500);
  });

  it("sums the months of each quarter when the donation is paid by the quarter", () => {
    const l = buildLedger(
      [...tally, { month: "2026-04", hedgehogs: 2 }],
      [entry({ amountMinor: 10_000, fromMonth: "2026-01", toMonth: "2026-03" })],
      terms,
    );
    expect(ledgerPeriods(l.months, "quarter")).toEqual([
      { period: "2026-Q1", hedgehogs: 20, owedMinor: 10_000, paidMinor: 10_000, balanceMinor: 0 },
      { period: "2026-Q2", hedgehogs: 2, owedMinor: 1000, paidMinor: 0, balanceMinor: 1000 },
    ]);
    expect(ledgerPeriods(l.months, "month").map((p) => p.period)).toEqual(["2026-01", "2026-02", "2026-03", "2026-04"]);
  });

  it("counts only months up to the report's month as owed", () => {
    expect(buildLedger(tally, [], terms, { throughMonth: "2026-02" }).owedMinor).toBe(7000);
  });

  it("shares whole minor units, the remainder to the last month", () => {
    expect([...allocate(1000, ["a", "b", "c"], new Map()).values()]).toEqual([333, 333, 334]);
  });

  it("reads amounts in each currency's own minor units", () => {
    expect(parseAmount("12.50", "GBP")).toBe(1250);
    expect(parseAmount("12", "GBP")).toBe(1200);
    expect(parseAmount("1,200", "JPY")).toBe(1200);
    expect(parseAmount("1.5", "JPY")).toBeUndefined();
    expect(parseAmount("1.250", "KWD")).toBe(1250);
  });

  it("turns minor units back into major units by the currency's digits", () => {
    expect(majorUnits(1250, "GBP")).toBe(12.5);
    expect(majorUnits(1200, "JPY")).toBe(1200);
    expect(majorUnits(1250, "KWD")).toBe(1.25);
    expect(majorUnits(7, "EUR")).toBe(0.07);
    expect(parseAmount("-3", "GBP")).toBeUndefined();
    expect(parseAmount("1e5", "GBP")).toBeUndefined();
    expect(formatMoney(1200, "JPY")).toBe("JP¥1,200");
    expect(formatMoney(1250, "GBP")).toBe("£12.50");
  });
});

function post(form: Record<string, string>, headers: Record<string, string> = {}) {
  return call(
    new Request(`${BASE}/admin/donations`, {
      method: "POST",
      headers: {
        ...auth,
        "content-type": "application/x-www-form-urlencoded",
        "sec-fetch-site": "same-origin",
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
      redirect: "manual",
    }),
  );
}
const formId = () => crypto.randomUUID();
const good = (extra: Record<string, string> = {}) => ({
  form_id: formId(),
  paid_on: "2026-02-03",
  amount: "60.00",
  currency: "GBP",
  from_month: "2026-01",
  to_month: "2026-01",
  reference: "https://example.org/receipt/1",
  ...extra,
});
const page = async () => (await call(new Request(`${BASE}/admin/donations`, { headers: auth }))).text();

describe("/admin/donations", () => {
  it("records a donation, lists it, and corrects it with a new entry", async () => {
    const res = await post(good());
    expect(res.status).toBe(303);
    const first = Number(/recorded=(\d+)/.exec(res.headers.get("location")!)![1]);
    expect(textOf(await page())).toContain("£60.00");
    const fix = await post(good({ amount: "6.00", corrects: String(first) }));
    expect(fix.status).toBe(303);
    const html = await page();
    expect(html).toContain(`corrected by #${first + 1}`);
    expect(html).toContain("<s>£60.00</s>");
    // No silent edits: the table refuses them.
    await expect(
      env.DB.prepare("UPDATE donations SET amount_minor = 1 WHERE id = ?").bind(first).run(),
    ).rejects.toThrow();
    await expect(env.DB.prepare("DELETE FROM donations WHERE id = ?").bind(first).run()).rejects.toThrow();
    // Correcting the same entry twice: correct the correction instead.
    const twice = await post(good({ corrects: String(first) }));
    expect(twice.status).toBe(409);
    expect(textOf(await twice.text())).toContain(`was corrected already by #${first + 1}`);
  });

  it("lists the ledger by quarter with DONATION_PERIOD=quarter, and by month otherwise", async () => {
    // 2 hedgehogs in January 2011, 1 in February, 3 in April; £15.00 paid for January to March.
    const months = [0, 0, 1, 3, 3, 3];
    for (const [i, m] of months.entries())
      await storeAnswer({ ticketId: 87_100_000 + i, team: "Support", rating: 5, at: Date.UTC(2011, m, 10) });
    const res = await post(
      good({ paid_on: "2011-04-02", amount: "15.00", from_month: "2011-01", to_month: "2011-03" }),
    );
    expect(res.status).toBe(303);
    const ledgerText = async (period: string) =>
      textOf(
        await (
          await call(new Request(`${BASE}/admin/donations`, { headers: auth }), testEnv({ DONATION_PERIOD: period }))
        ).text(),
      );
    const quarterly = await ledgerText("quarter");
    expect(quarterly).toContain("Per quarter Quarter Hedgehogs Owed Paid Balance");
    expect(quarterly).toContain("Q2 2011 (April to June) 3 £15.00 £0.00 £15.00 still to pay");
    expect(quarterly).toContain("Q1 2011 (January to March) 3 £15.00 £15.00 settled");
    expect(quarterly).toContain("a quarter's payment covers its three months");
    expect(quarterly).not.toContain("January 2011");
    const monthly = await ledgerText("month");
    expect(monthly).toContain("Per month Month Hedgehogs Owed Paid Balance");
    expect(monthly).toContain("January 2011 2 £10.00 £10.00 settled");
    expect(monthly).not.toContain("Q1 2011");
  });

  it("has a valid form: month fields without placeholder (not allowed on type=month)", async () => {
    const html = await page();
    const months = html.match(/<input type="month"[^>]*>/g)!;
    expect(months).toHaveLength(2);
    for (const input of months) expect(input).not.toContain("placeholder");
  });

  it("records a repeated form once (409 the second time)", async () => {
    const form = good();
    expect((await post(form)).status).toBe(303);
    const again = await post(form);
    expect(again.status).toBe(409);
    expect(textOf(await again.text())).toContain("This form was sent already");
  });

  it.each([
    ["missing amount", { amount: "" }],
    ["malformed amount", { amount: "sixty" }],
    ["too many decimals", { amount: "1.234" }],
    ["malformed date", { paid_on: "03/02/2026" }],
    ["impossible date", { paid_on: "2026-02-30" }],
    ["malformed month", { from_month: "2026-13" }],
    ["months backwards", { from_month: "2026-03", to_month: "2026-01" }],
    ["malformed currency", { currency: "pounds" }],
    ["forged form id", { form_id: "<script>" }],
    ["missing form id", { form_id: "" }],
    ["correcting no entry", { corrects: "999999999" }],
    ["malformed correction", { corrects: "#3" }],
    ["long reference", { reference: "x".repeat(501) }],
  ])("refuses %s with a 400 naming it", async (_name, change) => {
    const res = await post(good(change));
    expect(res.status).toBe(400);
    expect(textOf(await res.text())).toContain("Nothing recorded");
  });

  it("refuses an oversized body (413), a cross-site post (403) and no sign-in", async () => {
    expect((await post(good({ reference: "x".repeat(5000) }))).status).toBe(413);
    expect((await post(good(), { "sec-fetch-site": "cross-site" })).status).toBe(403);
    const anonymous = await call(new Request(`${BASE}/admin/donations`));
    expect(anonymous.status).toBeGreaterThanOrEqual(300);
    expect(anonymous.status).toBeLessThan(500);
    expect(await anonymous.text()).not.toContain("Hedgehog ledger");
  });
});

describe("the public hedgehog counter", () => {
  beforeEach(() => forgetHedgehogCounter());

  // 1,235 answers go through the store one by one (about a second here): room for a busy machine.
  it("shows nothing fed yet without data, then the running total and months", { timeout: 30_000 }, async () => {
    await env.DB.prepare("DELETE FROM hedgehog_tally").run();
    const empty = await call(new Request(`${BASE}/hedgehogs`));
    expect(empty.status).toBe(200);
    expect(empty.headers.get("cache-control")).toBe("public, max-age=300");
    expect(textOf(await empty.text())).toContain("0 hedgehogs fed");
    const badge = await call(new Request(`${BASE}/hedgehogs.svg`));
    expect(badge.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(badge.headers.get("cache-control")).toBe("public, max-age=300");
    // Embeddable in another site's page, unlike everything else the Worker answers.
    expect(badge.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(empty.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(await badge.text()).toContain("0 hedgehogs fed");

    // 1,000 answers in January 2026 and 235 in February, through the survey's own store (its trigger
    // feeds the month's hedgehogs); one carries personal data that must not show.
    await storeAnswer({
      ticketId: 88_000_000,
      team: "Billing",
      rating: 5,
      comment: "my private comment",
      distinctId: "secret-person-42",
      at: Date.UTC(2026, 1, 3),
    });
    for (let i = 1; i < 1235; i++) {
      const at = i <= 1000 ? Date.UTC(2026, 0, 5) : Date.UTC(2026, 1, 5);
      await storeAnswer({ ticketId: 88_000_000 + i, team: "Support", rating: 4, at });
    }
    // Each isolate keeps the tally for a minute: the same isolate still shows the old total.
    expect(textOf(await (await call(new Request(`${BASE}/hedgehogs`))).text())).toContain("0 hedgehogs fed");
    forgetHedgehogCounter();
    const html = await (await call(new Request(`${BASE}/hedgehogs?utm_source=x`))).text();
    const text = textOf(html);
    expect(text).toContain("1,235 hedgehogs fed");
    expect(text).toContain("February 2026 235");
    expect(text).toContain("Herts Wildlife Trust");
    for (const personal of ["secret-person-42", "my private comment", "Billing"]) expect(html).not.toContain(personal);
    expect(textOf(html.split("<body>")[1]!)).not.toContain("@"); // no address of anyone
    const svg = await (await call(new Request(`${BASE}/hedgehogs.svg`))).text();
    expect(svg).toContain("1,235 hedgehogs fed");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it("is styled by its own inline stylesheet, allowed by the page's policy", async () => {
    const res = await call(new Request(`${BASE}/hedgehogs`));
    const html = await res.text();
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(style).toContain(".tally");
    expect(style).toContain("--accent");
    expect(style).not.toContain(".face-option");
    const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(style)));
    const hash = `'sha256-${btoa(String.fromCharCode(...bytes))}'`;
    expect(res.headers.get("content-security-policy")).toMatch(
      new RegExp(`style-src 'self'[^;]* ${hash.replace(/[+/]/g, "\\$&")}`),
    );
  });

  it("answers other methods and paths with a 4xx, never a 500", async () => {
    for (const req of [
      new Request(`${BASE}/hedgehogs`, { method: "POST", body: "x" }),
      new Request(`${BASE}/hedgehogs.svg`, { method: "DELETE" }),
      new Request(`${BASE}/hedgehogs/../../etc`),
      new Request(`${BASE}/hedgehogs.svg?${"a=1&".repeat(2000)}`),
    ]) {
      const res = await call(req);
      expect(res.status, req.method + " " + req.url.slice(0, 60)).toBeLessThan(500);
    }
  });

  it("the badge escapes nothing it should not and says one hedgehog in the singular", () => {
    expect(hedgehogBadge(1)).toContain("1 hedgehog fed");
    expect(hedgehogBadge(1234)).toContain("1,234 hedgehogs fed");
  });

  it("the survey's thank-you page links to it", async () => {
    const { ThanksPage } = await import("../../src/survey/views");
    const html = String(
      ThanksPage({
        hedgehogNumber: 1,
        rating: 5,
        comment: null,
        chosenReasons: [],
        reasons: [],
        edited: false,
        changeUrl: "/",
        charity: "Herts",
        brand: { name: "PostHog" },
      } as never),
    );
    expect(html).toContain('href="/hedgehogs"');
  });
});
