// Issue 12 in chromium: the report's breakdowns and the ledger form on a phone and a desktop; the public counter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { answerByFormPost } from "./answer-post";
import { openBrowser, screenshot } from "./browser";
import { startWranglerDev, type DevServer } from "./wrangler-dev";

const SECRET = "browser-test-secret-0123456789";
const ADMIN_TOKEN = "browser-admin-token-0123456789abcdefghij";
let dev: DevServer;

const answer = (ticketId: number, rating: number) =>
  answerByFormPost(dev.url, SECRET, { ticketId, team: "Billing", rating });

const noSidewaysScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

beforeAll(async () => {
  dev = await startWranglerDev({ SURVEY_LINK_SECRET: SECRET, ADMIN_TOKEN, POSTHOG_API_KEY: "" });
  await answer(201, 5);
  await answer(202, 2);
});

afterAll(async () => {
  await dev?.stop();
});

describe("breakdowns and the hedgehog ledger in a browser", () => {
  for (const [device, width] of [
    ["phone", 390],
    ["desktop", 1280],
  ] as const) {
    it(`shows the breakdowns and records a donation on a ${device}`, async () => {
      const browser = await openBrowser({ width });
      try {
        const page = await browser.context.newPage();
        await page.goto(`${dev.url}/admin`);
        await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByRole("heading", { name: "Is it our speed?" }).waitFor();
        expect(await page.getByRole("heading", { name: "By first-reply target" }).isVisible()).toBe(true);
        expect(await page.locator("section").filter({ hasText: "Is it our speed?" }).innerText()).toContain("too few");
        expect(await noSidewaysScroll(page)).toBe(true);

        await page.getByRole("link", { name: "Donations" }).click();
        await page.getByRole("heading", { name: "Hedgehog ledger" }).waitFor();
        await page.getByLabel("Paid on").fill("2026-02-03");
        await page.getByLabel("Amount").fill(width === 390 ? "7.50" : "2.50");
        await page.getByLabel("From month").fill("2026-01");
        await page.getByLabel("To month").fill("2026-01");
        await page.getByLabel("Reference or receipt link").fill(`receipt-${device}`);
        await page.getByRole("button", { name: "Record" }).click();
        await page.getByText(/Recorded entry #\d+\./).waitFor();
        const main = await page.locator("main").innerText();
        expect(main).toContain(`receipt-${device}`);
        expect(main).toContain(width === 390 ? "£7.50" : "£2.50");
        expect(await noSidewaysScroll(page)).toBe(true);
        await screenshot(page, `ledger-${device}`);

        // A mistake in the form is named, and what was typed stays.
        await page.getByLabel("Paid on").fill("2026-02-03");
        await page.getByLabel("Amount").fill("lots");
        await page.getByLabel("From month").fill("2026-01");
        await page.getByLabel("To month").fill("2026-01");
        await page.getByRole("button", { name: "Record" }).click();
        await page.getByRole("alert").filter({ hasText: "Nothing recorded" }).waitFor();
        expect(await page.getByLabel("Amount").inputValue()).toBe("lots");
      } finally {
        await browser.close();
      }
    });
  }

  it("shows the public counter and its badge without signing in", async () => {
    const browser = await openBrowser({ width: 390 });
    try {
      const page = await browser.context.newPage();
      const res = await page.goto(`${dev.url}/hedgehogs`);
      expect(res!.headers()["cache-control"]).toBe("public, max-age=300");
      await page.getByRole("heading", { name: "2 hedgehogs fed" }).waitFor();
      expect(await page.locator("main").innerText()).toContain("Herts Wildlife Trust");
      expect(await noSidewaysScroll(page)).toBe(true);
      await screenshot(page, "hedgehogs-public-phone");
      const badge = await page.goto(`${dev.url}/hedgehogs.svg`);
      expect(badge!.headers()["content-type"]).toContain("image/svg+xml");
      expect(await badge!.text()).toContain("2 hedgehogs fed");
    } finally {
      await browser.close();
    }
  });
});
