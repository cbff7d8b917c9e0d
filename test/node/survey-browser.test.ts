import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSurveyUrl, expiryFrom } from "../../src/lib/survey-link";
import type { FakeServer } from "../fakes/fake-server";
import { startFakePostHog } from "../fakes/posthog";
import { openBrowser, screenshot, seriousA11yViolations } from "./browser";
import { startWranglerDev, type DevServer } from "./wrangler-dev";

const SECRET = "browser-test-secret-0123456789";
let dev: DevServer;
let posthog: FakeServer;

beforeAll(async () => {
  posthog = await startFakePostHog();
  dev = await startWranglerDev({
    SURVEY_LINK_SECRET: SECRET,
    POSTHOG_API_KEY: "phc_browser",
    POSTHOG_HOST: posthog.url,
  });
});

afterAll(async () => {
  await dev?.stop();
  await posthog?.close();
});

function link(ticketId: number, rating?: number) {
  return buildSurveyUrl(
    dev.url,
    { distinctId: `browser-${ticketId}`, ticketId, team: "Product analytics", exp: expiryFrom(new Date(), 30) },
    SECRET,
    { rating },
  );
}

async function waitFor<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each([
  { js: true, ticket: 4001 },
  { js: false, ticket: 4002 },
])("a customer answering on a phone (JavaScript $js)", ({ js, ticket }) => {
  it("opens the emailed link, changes the face with the keyboard, comments, submits and sees the hedgehog", async () => {
    const browser = await openBrowser({ javaScriptEnabled: js, width: 360 });
    try {
      const page = await browser.context.newPage();
      await page.goto(await link(ticket, 4));
      await expect.poll(() => page.getByRole("radio", { name: "Satisfied", exact: true }).isChecked()).toBe(true);
      expect(await page.getByRole("radio", { name: "Very satisfied" }).isChecked()).toBe(false);
      await screenshot(page, `survey-phone${js ? "" : "-nojs"}`);

      await page.getByRole("radio", { name: "Satisfied", exact: true }).focus();
      await page.keyboard.press("ArrowRight");
      expect(await page.getByRole("radio", { name: "Very satisfied" }).isChecked()).toBe(true);
      // The comment's question follows the face chosen; without script it stays the preselected face's.
      expect(await page.getByText("What did we do well?").isVisible()).toBe(js);
      expect(await page.getByText("What can we do to increase your rating?").isVisible()).toBe(!js);

      await page.getByLabel("What can we do to increase your rating?").fill("Nothing, you were great.");
      await page.getByRole("button", { name: "Submit" }).click();

      await page.getByRole("heading", { name: "Thank you!" }).waitFor();
      const text = await page.locator("main").innerText();
      expect(text).toMatch(/You just fed hedgehog #\d+/);
      expect(text).toContain("Very satisfied");
      expect(text).toContain("Nothing, you were great.");
      await screenshot(page, `thanks-phone${js ? "" : "-nojs"}`);

      const event = await waitFor(() =>
        posthog.requests
          .flatMap((r) => (r.body as any).batch ?? [])
          .find((e: any) => e.event === "survey sent" && e.properties.ticketId === String(ticket)),
      );
      expect(event.properties["$survey_response_csat-rating"]).toBe(5);
      expect(event.properties["$survey_response_csat-comment"]).toBe("Nothing, you were great.");
      const shown = posthog.requests
        .flatMap((r) => (r.body as any).batch ?? [])
        .filter((e: any) => e.event === "survey shown" && e.properties.ticketId === String(ticket));
      // The page's script reports the view; without JavaScript nothing is reported.
      expect(shown).toHaveLength(js ? 1 : 0);
    } finally {
      await browser.close();
    }
  });
});

describe.each([
  { js: true, ticket: 4011 },
  { js: false, ticket: 4012 },
])("a customer saying what went wrong (JavaScript $js)", ({ js, ticket }) => {
  it("asks after a low rating with real checkboxes, sends the reasons, and an edit of them under the same submission", async () => {
    const browser = await openBrowser({ javaScriptEnabled: js, width: 360 });
    try {
      const page = await browser.context.newPage();
      await page.goto(await link(ticket));
      const question = page.getByRole("group", { name: /What went wrong\?/ });
      const note = page.getByText("Only if you chose one of the first 3 faces.");
      // With script the question waits for a low rating; without, it is there for every rating, with its note.
      expect(await question.isVisible()).toBe(!js);
      expect(await note.isVisible()).toBe(!js);
      await page.locator("label.face-option", { hasText: "Very satisfied" }).click();
      expect(await question.isVisible()).toBe(!js);
      await page.locator("label.face-option", { hasText: /^Dissatisfied$/ }).click();
      expect(await question.isVisible()).toBe(true);
      await page.getByRole("checkbox", { name: "The reply was slow" }).check();
      await page.getByRole("checkbox", { name: "A bug or missing feature that was not fixed yet" }).check();
      await screenshot(page, `reasons-phone${js ? "" : "-nojs"}`);
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByRole("heading", { name: "Thank you!" }).waitFor();
      expect(await page.locator("main").innerText()).toContain(
        "What went wrong? The reply was slow; A bug or missing feature that was not fixed yet",
      );

      const sent = () =>
        posthog.requests
          .flatMap((r) => (r.body as any).batch ?? [])
          .filter((e: any) => e.event === "survey sent" && e.properties.ticketId === String(ticket));
      // Delivered before the edit (an edit during a delivery waits for the cron, which wrangler dev does not run).
      await waitFor(() => (sent().length >= 1 ? true : undefined));

      // The edit: the page shows the reasons ticked; one is unticked.
      await page.getByRole("link", { name: "Change my answer" }).click();
      const slow = page.getByRole("checkbox", { name: "The reply was slow" });
      expect(await slow.isChecked()).toBe(true);
      await slow.uncheck();
      await page.getByRole("button", { name: "Update my answer" }).click();
      await page.getByRole("heading", { name: "Your answer was updated" }).waitFor();
      const events = await waitFor(() => (sent().length >= 2 ? sent() : undefined));
      expect(events.map((e: any) => e.properties["$survey_response_csat-reasons"])).toEqual([
        ["The reply was slow", "A bug or missing feature that was not fixed yet"],
        ["A bug or missing feature that was not fixed yet"],
      ]);
      expect(events[1].properties.$survey_submission_id).toBe(events[0].properties.$survey_submission_id);
    } finally {
      await browser.close();
    }
  });
});

describe("a broken or old link", () => {
  it("shows a plain-words page for an incomplete, a changed and an expired link", async () => {
    const browser = await openBrowser({ width: 360 });
    try {
      const page = await browser.context.newPage();
      const good = new URL(await link(4005));
      const incomplete = new URL(good);
      incomplete.searchParams.delete("sig");
      const response = await page.goto(incomplete.toString());
      expect(response!.status()).toBe(400);
      await page.getByRole("heading", { name: "This survey link is incomplete" }).waitFor();
      expect(await page.locator("main").innerText()).toContain("The signature (sig) is missing.");
      await screenshot(page, "bad-link-phone");

      const changed = new URL(good);
      changed.searchParams.set("ticketId", "4006");
      expect((await page.goto(changed.toString()))!.status()).toBe(403);
      await page.getByRole("heading", { name: "This survey link isn't valid" }).waitFor();

      const expired = await buildSurveyUrl(
        dev.url,
        { distinctId: "x", ticketId: 4007, team: "Billing", exp: Math.floor(Date.now() / 1000) - 5 },
        SECRET,
      );
      expect((await page.goto(expired))!.status()).toBe(410);
      await page.getByRole("heading", { name: "This survey has closed" }).waitFor();
    } finally {
      await browser.close();
    }
  });
});

describe("accessibility and layout", () => {
  it("finds no serious or critical axe violations on the survey and thank-you pages, on a desktop", async () => {
    const browser = await openBrowser({ bypassCSP: true, width: 1280 });
    try {
      const page = await browser.context.newPage();
      await page.goto(await link(4003));
      await screenshot(page, "survey-desktop");
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.locator("label.face-option", { hasText: "Neutral" }).click();
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByRole("heading", { name: "Thank you!" }).waitFor();
      await screenshot(page, "thanks-desktop");
      expect(await seriousA11yViolations(page)).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("fits a 360 px phone without sideways scrolling, in dark mode too", async () => {
    const browser = await openBrowser({ width: 360 });
    try {
      const page = await browser.context.newPage();
      await page.emulateMedia({ colorScheme: "dark" });
      await page.goto(await link(4004, 2));
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).not.toBe("rgb(246, 244, 239)");
      await screenshot(page, "survey-phone-dark");
    } finally {
      await browser.close();
    }
  });
});
