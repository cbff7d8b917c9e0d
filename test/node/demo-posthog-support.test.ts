import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, screenshot } from "./browser";
import { openSurveyEmail, startDemo, type RunningDemo } from "./demo-process";

let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo(["--source", "posthog-support"]);
});

afterAll(async () => {
  await demo?.stop();
});

describe("npm run demo -- --source posthog-support", () => {
  it("finds PostHog Support's resolved tickets (pushed and polled) and takes an answer through a PostHog-style link", async () => {
    const { base } = demo;
    expect(demo.output()).toContain("A Workflow's webhook for one resolved ticket: answered 200.");
    expect(demo.output()).toContain("3 survey emails in the outbox");

    const browser = await openBrowser({ width: 390 });
    try {
      const page = await browser.context.newPage();
      await openSurveyEmail(page, base, 311);
      const face = page.locator('a[title="Very satisfied"]');
      const href = new URL((await face.getAttribute("href"))!);
      // The link names the ticket as PostHog does.
      expect(href.searchParams.get("ticket_id")).toBe("0193a1c2-0000-7000-8000-000000000311");
      expect(href.searchParams.get("ticket_number")).toBe("311");
      await face.click();
      await page.getByRole("heading", { name: "How happy are you with the level of support you received?" }).waitFor();
      await page.getByRole("textbox").fill("Ada was helped through the widget");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByRole("heading", { name: "Thank you!" }).waitFor();

      await page.goto(`${base}/admin/answers`);
      expect(await page.locator("main").innerText()).toContain("Ada was helped through the widget");
      await screenshot(page, "demo-posthog-support-answers");
      await page.goto(`${base}/admin/dispatch`);
      expect(await page.locator("main").innerText()).toContain("PostHog Support poll: up to date");
    } finally {
      await browser.close();
    }
  });
});
