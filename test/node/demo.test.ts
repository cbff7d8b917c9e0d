import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portIsFree } from "../../scripts/serve";
import { openBrowser, screenshot } from "./browser";
import { openSurveyEmail, startDemo, type RunningDemo } from "./demo-process";

let running: RunningDemo;

beforeAll(async () => {
  running = await startDemo();
});

afterAll(async () => {
  await running?.stop();
});

describe("npm run demo", () => {
  it("prints the admin and outbox URLs last, and the whole loop works from there", async () => {
    const { base } = running;
    const output = running.output();
    const lines = output.trimEnd().split("\n");
    expect(lines.at(-2)).toBe(`Admin area (sign in with demo-admin-token-0123456789abcdefghij): ${base}/admin`);
    expect(lines.at(-1)).toBe(`Survey emails (outbox): ${base}/admin/outbox`);
    expect(output).toContain("3 survey emails in the outbox");

    const browser = await openBrowser({ width: 390 });
    try {
      const page = await browser.context.newPage();
      await openSurveyEmail(page, base, 48211);
      await page.locator('a[title="Very satisfied"]').click();
      await page.getByRole("heading", { name: "How happy are you with the level of support you received?" }).waitFor();
      await page.getByRole("textbox").fill("Ada was helped in minutes");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByRole("heading", { name: "Thank you!" }).waitFor();

      await page.goto(`${base}/admin/answers`);
      const answers = await page.locator("main").innerText();
      expect(answers).toContain("Ada was helped in minutes");
      expect(answers).toMatch(/#48211\s+Product analytics\s+5/);
      await screenshot(page, "demo-answers");
      await page.goto(`${base}/admin/dispatch`);
      expect(await page.locator("main").innerText()).toContain("1 ticket solved less than 3 days ago waits");
    } finally {
      await browser.close();
    }
  });

  it("stops wrangler and workerd on SIGTERM, freeing its port", async () => {
    const { process: demo, port } = running;
    const exited = new Promise((r) => demo.once("exit", r));
    demo.kill("SIGTERM");
    await exited;
    const deadline = Date.now() + 10_000;
    while (!(await portIsFree(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await portIsFree(port)).toBe(true);
  });
});
