import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeServer } from "../fakes/fake-server";
import { openBrowser, screenshot } from "./browser";
import { solvedTicket, startWranglerDevWithZendesk, type DevServer } from "./wrangler-dev";

let dev: DevServer;
let zendesk: FakeServer;
let stop: () => Promise<unknown[]>;

beforeAll(async () => {
  const ticket = solvedTicket(3.5, {
    id: 9101,
    requester: { id: 41, name: "Ada Lovelace", email: "ada@example.org", role: "end-user", external_id: "ph-ada" },
    group: { id: 7, name: "Feature flags" },
  });
  ({ dev, zendesk, stop } = await startWranglerDevWithZendesk("unsigned", [ticket], {
    SURVEY_LINK_SECRET: "unsigned-browser-secret-0123456789",
    UNSIGNED_LINKS: "verify",
    POSTHOG_API_KEY: "",
  }));
});

afterAll(async () => {
  expect(await stop?.()).toEqual([]);
});

describe("a link from the team's Zendesk automation", () => {
  it("opens the survey (checked against Zendesk), takes the answer and thanks the customer", async () => {
    const browser = await openBrowser({ width: 390 });
    try {
      const page = await browser.context.newPage();
      // As the automation's placeholders fill it in: {{ticket.requester.external_id}}, {{ticket.id}}, {{ticket.group.name}}.
      await page.goto(`${dev.url}/?distinct_id=ph-ada&ticketId=9101&team=Feature%20flags`);
      await page.getByRole("heading", { name: /How happy are you/ }).waitFor();
      await page.locator("label.face-option").nth(4).click();
      await page.getByLabel(/What did we do well/).fill("Sorted in an hour.");
      await screenshot(page, "unsigned-link-survey");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByText(/You just fed hedgehog #1\b/).waitFor();
      expect(await page.getByText("Sorted in an hour.").isVisible()).toBe(true);
      expect(new URL(page.url()).searchParams.get("ticketId")).toBe("9101");

      // Someone else's id on the same ticket gets a plain refusal.
      await page.goto(`${dev.url}/?distinct_id=ph-someone-else&ticketId=9101&team=Feature%20flags`);
      await page.getByRole("heading", { name: "This survey link doesn't match its ticket" }).waitFor();
      const requests = zendesk.requests.filter((r) => r.path.endsWith("/tickets/show_many.json"));
      expect(requests).toHaveLength(1); // read once, then from the cache
    } finally {
      await browser.close();
    }
  });
});
