import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portIsFree } from "../../scripts/serve";
import { openBrowser, screenshot } from "./browser";
import { freePort } from "./wrangler-dev";

let demo: ChildProcess;
let output = "";
let port: number;
const state = mkdtempSync(path.join(tmpdir(), "hedgehog-demo-"));

/** Resolves with the output once `npm run demo` has printed its outbox URL (its last line). */
function waitForOutput(text: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run demo printed no "${text}" in time:\n${output}`)), ms);
    const check = () => {
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    demo.stdout!.on("data", check);
    demo.once("exit", () => reject(new Error(`npm run demo exited:\n${output}`)));
  });
}

beforeAll(async () => {
  port = await freePort();
  // As a newcomer runs it: npm, a fresh state folder, a free port.
  demo = spawn("npm", ["run", "--silent", "demo", "--", "--port", String(port), "--persist-to", state], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  demo.stdout!.on("data", (d) => (output += d));
  demo.stderr!.on("data", (d) => (output += d));
  await waitForOutput("Survey emails (outbox): ", 90_000);
});

afterAll(async () => {
  if (demo.exitCode === null) {
    const exited = new Promise((r) => demo.once("exit", r));
    demo.kill("SIGTERM");
    await exited;
  }
  rmSync(state, { recursive: true, force: true });
});

describe("npm run demo", () => {
  it("prints the admin and outbox URLs last, and the whole loop works from there", async () => {
    const base = `http://127.0.0.1:${port}`;
    const lines = output.trimEnd().split("\n");
    expect(lines.at(-2)).toBe(`Admin area (sign in with demo-admin-token-0123456789abcdefghij): ${base}/admin`);
    expect(lines.at(-1)).toBe(`Survey emails (outbox): ${base}/admin/outbox`);
    expect(output).toContain("3 survey emails in the outbox");

    const browser = await openBrowser({ width: 390 });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${base}/admin/outbox`);
      await page.getByLabel("Admin token").fill("demo-admin-token-0123456789abcdefghij");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: /^Report: / }).waitFor();
      await page.goto(`${base}/admin/outbox`);
      await page.getByRole("link", { name: /How did we do with your support ticket #48211/ }).click();
      await page.getByRole("link", { name: "Open the HTML part" }).click();
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
    const exited = new Promise((r) => demo.once("exit", r));
    demo.kill("SIGTERM");
    await exited;
    const deadline = Date.now() + 10_000;
    while (!(await portIsFree(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await portIsFree(port)).toBe(true);
  });
});
