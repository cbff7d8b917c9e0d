import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, screenshot } from "./browser";
import { solvedTicket, startWranglerDevWithZendesk, type DevServer } from "./wrangler-dev";

const ADMIN_TOKEN = "browser-admin-token-0123456789abcdefghij";
let dev: DevServer;
let stop: () => Promise<unknown[]>;

beforeAll(async () => {
  const ticket = solvedTicket(4, {
    id: 9001,
    requester: { id: 31, name: "Grace Hopper", email: "grace@example.org", role: "end-user", external_id: "ph-grace" },
    group: { id: 5, name: "Product analytics" },
  });
  ({ dev, stop } = await startWranglerDevWithZendesk("browser", [ticket], {
    SURVEY_LINK_SECRET: "browser-test-secret-0123456789",
    ADMIN_TOKEN,
    POSTHOG_API_KEY: "",
  }));
});

afterAll(async () => {
  expect(await stop?.()).toEqual([]);
});

describe("a survey email, end to end on wrangler dev", () => {
  it("is sent by the cron to the outbox, and its face links open the survey with that face chosen", async () => {
    const cron = await fetch(`${dev.url}/__scheduled?cron=*/10+*+*+*+*`);
    expect(cron.status, dev.output().slice(-3000)).toBe(200);
    // The queue consumer runs shortly after (max_batch_timeout 1 s).
    const deadline = Date.now() + 20_000;
    let messages = "";
    while (Date.now() < deadline) {
      messages = await (
        await fetch(`${dev.url}/admin/outbox`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      ).text();
      if (messages.includes("ticket #9001")) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(messages).toContain("How did we do with your support ticket #9001?");

    const browser = await openBrowser({ width: 390 });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${dev.url}/admin/outbox`);
      await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.goto(`${dev.url}/admin/outbox`);
      await page.getByRole("link", { name: /ticket #9001/ }).click();
      await page.getByRole("link", { name: "Open the HTML part" }).click();
      await page.getByText("Was solved a few days ago", { exact: false }).first().waitFor();
      await screenshot(page, "survey-email");
      // On a phone the faces are emoji only; each link's title names its rating.
      await page.locator('a[title="Satisfied"]').click();
      await page.getByRole("heading", { name: "How happy are you with the level of support you received?" }).waitFor();
      expect(await page.getByRole("radio", { name: "Satisfied", exact: true }).isChecked()).toBe(true);
      expect(page.url()).toContain("ticketId=9001");
      expect(page.url()).toContain("distinct_id=ph-grace");
    } finally {
      await browser.close();
    }
  });
});
