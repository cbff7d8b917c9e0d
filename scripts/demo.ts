// `npm run demo [-- --port N] [--persist-to DIR]`: the whole loop on this machine. A loopback stand-in
// for Zendesk (the tests' fake, seeded with a handful of tickets), the Worker on its embedded defaults
// with its mail kept in the local outbox, one dispatch run; then it prints where the survey emails
// wait. It never reaches a real service.
import { rmSync } from "node:fs";
import { startFakeZendesk } from "../test/fakes/zendesk";
import { controlZendesk } from "../test/fakes/zendesk-control";
import { startPostHogSupportDemo, SUPPORT_TICKETS } from "./demo-posthog-support";
import type { FakeTicket } from "../test/fakes/types";
import { plural } from "../src/lib/plural";
import { failUsage } from "./cli";
import { migrateLocal, requireFreePort, serveArgs, startWrangler, stopTogether } from "./serve";

const USAGE = `Runs the product with a local stand-in for Zendesk, dispatches the surveys it finds, and prints
the admin and outbox URLs (last). Ctrl-C stops everything. Nothing reaches a real service.

npm run demo [-- --port N] [--persist-to DIR] [--source zendesk|posthog-support]

  --port N          where to serve (default: PORT, else 8787)
  --source S        the ticket source to stand in for: zendesk (default) or posthog-support
  --persist-to DIR  keep the demo's database there (default .wrangler/demo, emptied at every start)
  --help            this text`;

const ADMIN_TOKEN = "demo-admin-token-0123456789abcdefghij";
const ACCOUNT = "demo";
const ZENDESK_ADMIN = { email: "admin@example.com", token: "demo-zendesk-token" };
const DAY_MS = 86_400_000;

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const { port, persistTo, rest, problems } = serveArgs(process.argv.slice(2));
let source = "zendesk";
const unknown: string[] = [];
for (let i = 0; i < rest.length; i++) {
  const m = /^--source(?:=(.*))?$/.exec(rest[i]!);
  if (m) source = m[1] ?? rest[++i] ?? "";
  else unknown.push(rest[i]!);
}
if (source !== "zendesk" && source !== "posthog-support")
  problems.push(`--source must be zendesk or posthog-support, not ${JSON.stringify(source)}`);
if (unknown.length > 0) problems.push(`unknown option ${unknown[0]}`);
if (problems.length > 0) failUsage("demo", problems);
await requireFreePort(port, "demo");

/** A solved ticket as the stand-in serves it; `daysAgo` is when it was solved (and last changed). */
function ticket(
  id: number,
  daysAgo: number,
  requester: FakeTicket["requester"],
  group: string,
  tags: string[] = [],
): FakeTicket {
  const at = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
  return { id, status: "solved", solved_at: at, updated_at: at, tags, requester, group: { id: id % 7, name: group } };
}

/** Three surveys to send, one ticket too recent, one spam, one raised by an agent. */
const TICKETS: FakeTicket[] = [
  ticket(
    48211,
    4,
    { id: 9001, name: "Ada Lovelace", email: "ada@example.org", external_id: "ph-ada" },
    "Product analytics",
  ),
  ticket(48215, 5, { id: 9002, name: "Grace Hopper", email: "grace@example.net" }, "Billing"),
  ticket(48230, 6, { id: 9003, name: "Katherine Johnson", email: "katherine@example.com" }, "Feature flags"),
  ticket(48302, 1, { id: 9004, name: "Alan Turing", email: "alan@example.org" }, "Product analytics"),
  ticket(48240, 5, { id: 9005, name: "Prize Desk", email: "winner@example.biz" }, "Billing", ["spam"]),
  ticket(48251, 4, { id: 9006, name: "Sam Agent", email: "sam@example.com", role: "agent" }, "Session replay"),
];
const EXPECTED_EMAILS = 3;

/** Emails in the outbox, counted on the admin page (the Worker holds the database while it runs). */
async function outboxCount(base: string): Promise<number> {
  const res = await fetch(`${base}/admin/outbox`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return res.ok ? ((await res.text()).match(/href="\/admin\/outbox\/\d+"/g)?.length ?? 0) : 0;
}

async function waitForEmails(base: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  let count = await outboxCount(base);
  while (count < EXPECTED_EMAILS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    count = await outboxCount(base);
  }
  return count;
}

const state = persistTo ?? ".wrangler/demo";
// The default folder is the demo's own: every run starts from nothing (the stand-in starts empty too).
if (persistTo === undefined) rmSync(state, { recursive: true, force: true });
await migrateLocal(state);

const zendesk = await startFakeZendesk();
await controlZendesk(zendesk.url, ACCOUNT, "config", { ...ZENDESK_ADMIN, role: "admin" });
if (source === "zendesk") await controlZendesk(zendesk.url, ACCOUNT, "tickets", TICKETS);
const support = source === "posthog-support" ? await startPostHogSupportDemo() : undefined;

const base = `http://127.0.0.1:${port}`;
// Every outside service points at the stand-in, so even a key left in .dev.vars reaches nothing real.
const nowhere = `${zendesk.url}/not-a-real-service`;
const wrangler = startWrangler({
  port,
  persistTo: state,
  logLevel: "warn",
  rest: [],
  vars: {
    PUBLIC_BASE_URL: base,
    SURVEY_LINK_SECRET: "demo-survey-link-secret-0123456789",
    ADDRESS_FINGERPRINT_KEY: "demo-address-fingerprint-key-0123456789",
    ADMIN_TOKEN,
    ZENDESK_BASE_URL: `${zendesk.url}/t/${ACCOUNT}`,
    ZENDESK_EMAIL: ZENDESK_ADMIN.email,
    ZENDESK_API_TOKEN: ZENDESK_ADMIN.token,
    ZENDESK_OAUTH_TOKEN: "",
    MAIL_PROVIDER: "outbox",
    RESEND_API_KEY: "",
    RESEND_BASE_URL: nowhere,
    POSTHOG_API_KEY: "",
    POSTHOG_PERSONAL_API_KEY: "",
    POSTHOG_HOST: nowhere,
    POSTHOG_APP_HOST: nowhere,
    SLACK_WEBHOOK_URLS: "",
    DONATION_REPORT_TO: "donor@example.org",
    ...support?.vars,
  },
});
stopTogether(wrangler, [() => zendesk.close(), ...(support ? [support.close] : [])]);
await wrangler.ready;

if (support) console.log(`A Workflow's webhook for one resolved ticket: answered ${await support.push(base)}.`);
console.log(`Reading the ${support ? "PostHog Support" : "Zendesk"} stand-in and dispatching surveys…`);
const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
if (!cron.ok) console.error(`The dispatch run answered ${cron.status}; see /admin/dispatch.`);
const emails = await waitForEmails(base);
if (support)
  console.log(
    `\n${plural(SUPPORT_TICKETS.length, "ticket")} in the PostHog Support stand-in: ${plural(emails, "survey email")} in the outbox, ` +
      `1 ticket resolved hours ago waits out its day, 2 skipped (a Slack thread; spam).`,
  );
else
  console.log(
    `\n${plural(TICKETS.length, "ticket")} in the Zendesk stand-in: ${plural(emails, "survey email")} in the outbox, ` +
      `1 ticket solved a day ago waits out its three days, 2 skipped (spam; raised by an agent).`,
  );
console.log(
  "Open an email, click a face, answer; the answer shows on /admin and /admin/answers. Ctrl-C stops the demo.",
);
console.log(`\nAdmin area (sign in with ${ADMIN_TOKEN}): ${base}/admin`);
console.log(`Survey emails (outbox): ${base}/admin/outbox`);
