// Every page and both emails, as the running product serves them, checked by the Nu Html Checker.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import vnuJar from "vnu-jar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSurveyUrl, expiryFrom } from "../../src/lib/survey-link";
import { solvedTicket, startWranglerDevWithZendesk, type DevServer } from "./wrangler-dev";

const ADMIN_TOKEN = "html-check-admin-token-0123456789";
const SECRET = "html-check-secret-0123456789";
const TICKET = 9101;
let dev: DevServer;
let stop: () => Promise<unknown[]>;

beforeAll(async () => {
  const ticket = solvedTicket(4, {
    id: TICKET,
    requester: { id: 41, name: "Ada Lovelace", email: "ada@example.org", role: "end-user", external_id: "ph-ada" },
    group: { id: 5, name: "Product analytics" },
  });
  ({ dev, stop } = await startWranglerDevWithZendesk("html-check", [ticket], {
    SURVEY_LINK_SECRET: SECRET,
    ADMIN_TOKEN,
    POSTHOG_API_KEY: "",
  }));
});

afterAll(async () => {
  expect(await stop?.()).toEqual([]);
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, accept: "text/html" };
const formPost = (body: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin", ...headers },
  body: new URLSearchParams(body),
  redirect: "manual",
});

/** Fetches a page, checks its status and that it is HTML, and keeps it under `name`. */
async function page(pages: Map<string, string>, name: string, url: string, status: number, init: RequestInit = {}) {
  const res = await fetch(new URL(url, dev.url), { redirect: "manual", ...init });
  const html = await res.text();
  expect(res.status, `${name}: ${html.slice(0, 300)}`).toBe(status);
  expect(res.headers.get("content-type"), name).toContain("text/html");
  pages.set(name, html);
  return html;
}

async function surveyEmail(): Promise<{ id: string; html: string }> {
  const cron = await fetch(`${dev.url}/__scheduled?cron=*/10+*+*+*+*`);
  expect(cron.status, dev.output().slice(-3000)).toBe(200);
  // The queue's consumer sends the email shortly after (max_batch_timeout 1 s).
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const outbox = await (await fetch(`${dev.url}/admin/outbox`, { headers: admin })).text();
    const id = /href="\/admin\/outbox\/(\d+)"/.exec(outbox)?.[1];
    if (id) return { id, html: await (await fetch(`${dev.url}/admin/outbox/${id}/html`, { headers: admin })).text() };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no survey email in the outbox:\n${dev.output().slice(-3000)}`);
}

/** The customer's pages in each state they can be in, from the email's own links. */
async function customerPages(pages: Map<string, string>, emailHtml: string) {
  const hrefs = [...emailHtml.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
  const face = new URL(hrefs.find((h) => h.includes("rating=2"))!);
  const unsubscribe = new URL(hrefs.find((h) => h.includes("/unsubscribe?"))!);
  const fresh = new URL(face);
  fresh.searchParams.delete("rating");
  await page(pages, "survey", fresh.href, 200);
  await page(pages, "survey-face-chosen", face.href, 200);
  const form = Object.fromEntries(fresh.searchParams);
  await page(pages, "survey-rating-refused", "/", 400, formPost({ ...form, rating: "9", comment: "kept" }));
  const answered = await fetch(`${dev.url}/`, formPost({ ...form, rating: "2", comment: "Slow <b>reply</b>" }));
  expect(answered.status).toBe(303);
  await page(pages, "thanks", answered.headers.get("location")!, 200);
  await page(pages, "survey-answered", fresh.href, 200);
  await page(pages, "survey-conflict", "/", 409, formPost({ ...form, rating: "5", base_version: "0" }));
  const incomplete = new URL(fresh);
  incomplete.searchParams.delete("sig");
  await page(pages, "survey-link-incomplete", incomplete.href, 400);
  const forged = new URL(fresh);
  forged.searchParams.set("team", "Another team");
  await page(pages, "survey-link-forged", forged.href, 403);
  const expired = await buildSurveyUrl(
    dev.url,
    { distinctId: "ph-ada", ticketId: TICKET, team: "Product analytics", exp: expiryFrom(new Date(), -1) },
    SECRET,
  );
  await page(pages, "survey-link-expired", expired, 410);
  await page(pages, "survey-form-unsupported", "/", 415, {
    ...formPost(form),
    headers: { "content-type": "text/plain" },
  });
  await page(pages, "survey-cross-site", "/", 403, formPost(form, { "sec-fetch-site": "cross-site" }));
  await page(pages, "not-found", "/no-such-page", 404, { headers: { accept: "text/html" } });
  await page(pages, "unsubscribe-ask", unsubscribe.href, 200);
  await page(pages, "unsubscribe-bad-link", "/unsubscribe?t=1", 400);
  await page(pages, "unsubscribed", unsubscribe.href, 200, formPost({}));
  await page(pages, "hedgehog-counter", "/hedgehogs", 200);
}

async function adminPages(pages: Map<string, string>, outboxId: string) {
  await page(pages, "admin-sign-in", "/admin/sign-in", 200);
  await page(pages, "admin-sign-in-refused", "/admin/sign-in", 401, formPost({ token: "not-the-token" }));
  for (const [name, url] of [
    ["admin-report", "/admin"],
    ["admin-answers", "/admin/answers"],
    ["admin-low-ratings", "/admin/low-ratings"],
    ["admin-dispatch", "/admin/dispatch"],
    ["admin-outbox", "/admin/outbox"],
    ["admin-outbox-message", `/admin/outbox/${outboxId}`],
    ["admin-donations", "/admin/donations"],
    ["admin-erase", "/admin/erase"],
    ["admin-report-preview", "/admin/report/preview"],
  ] as const) {
    await page(pages, name, url, 200, { headers: admin });
  }
  await page(pages, "admin-donations-refused", "/admin/donations", 400, formPost({ amount: "lots" }, admin));
  await page(pages, "admin-erase-confirm", "/admin/erase", 200, formPost({ email: "ada@example.org" }, admin));
  await page(pages, "admin-erased", "/admin/erase", 200, formPost({ email: "ada@example.org", confirm: "yes" }, admin));
  // The monthly report's email, as the donor gets it.
  await page(pages, "email-report", "/admin/report/preview.html", 200, { headers: admin });
}

interface NuMessage {
  type: string;
  url?: string;
  lastLine?: number;
  message: string;
  extract?: string;
}

/** Runs the checker once over all files (it is slow to start): its errors, as "file:line: message". */
async function nuErrors(files: string[]): Promise<string[]> {
  let stderr: string;
  try {
    ({ stderr } = await promisify(execFile)(
      "java",
      ["-jar", String(vnuJar), "--errors-only", "--format", "json", ...files],
      { maxBuffer: 64 * 1024 * 1024 },
    ));
  } catch (err) {
    const failure = err as { code?: string; stderr?: string };
    if (failure.code === "ENOENT") throw new Error("java is missing: install a Java runtime (default-jre-headless)");
    // The checker exits 1 when it found errors; its JSON report is on stderr either way.
    stderr = failure.stderr ?? "";
  }
  const report = JSON.parse(stderr) as { messages: NuMessage[] };
  return report.messages
    .filter((m) => m.type === "error" || m.type === "non-document-error")
    .map((m) => `${path.basename(m.url ?? "?")}:${m.lastLine ?? "?"}: ${m.message} [${m.extract ?? ""}]`);
}

describe("HTML", () => {
  it("has no errors on any page, in any state, nor in either email (Nu Html Checker)", async () => {
    const pages = new Map<string, string>();
    const email = await surveyEmail();
    pages.set("email-survey", email.html);
    await customerPages(pages, email.html);
    await adminPages(pages, email.id);
    const folder = mkdtempSync(path.join(tmpdir(), "hedgehog-html-"));
    try {
      const files = [...pages].map(([name, html]) => {
        const file = path.join(folder, `${name}.html`);
        writeFileSync(file, html);
        return file;
      });
      expect(await nuErrors(files)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
