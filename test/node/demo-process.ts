// `npm run demo` as a newcomer runs it (npm, a fresh state folder, a free port), for the demo's tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { freePort } from "./wrangler-dev";

export interface RunningDemo {
  process: ChildProcess;
  port: number;
  base: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts the demo with `args` and resolves once it has printed its outbox URL (its last line). */
export async function startDemo(args: string[] = [], ms = 90_000): Promise<RunningDemo> {
  const port = await freePort();
  const state = mkdtempSync(path.join(tmpdir(), "hedgehog-demo-"));
  const demo = spawn("npm", ["run", "--silent", "demo", "--", "--port", String(port), "--persist-to", state, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  demo.stdout!.on("data", (d) => (output += d));
  demo.stderr!.on("data", (d) => (output += d));
  const text = "Survey emails (outbox): ";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run demo printed no "${text}" in time:\n${output}`)), ms);
    demo.stdout!.on("data", () => {
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    demo.once("exit", () => reject(new Error(`npm run demo exited:\n${output}`)));
  });
  return {
    process: demo,
    port,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (demo.exitCode === null) {
        const exited = new Promise((r) => demo.once("exit", r));
        demo.kill("SIGTERM");
        await exited;
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** Signs in to the demo's admin area and opens the HTML part of the survey email for `ticket` (its number). */
export async function openSurveyEmail(page: Page, base: string, ticket: number): Promise<void> {
  await page.goto(`${base}/admin/outbox`);
  await page.getByLabel("Admin token").fill("demo-admin-token-0123456789abcdefghij");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: /^Report: / }).waitFor();
  await page.goto(`${base}/admin/outbox`);
  await page.getByRole("link", { name: new RegExp(`How did we do with your support ticket #${ticket}\\b`) }).click();
  await page.getByRole("link", { name: "Open the HTML part" }).click();
}
