import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { claimTickets, settleSends, startSending } from "../../src/dispatch/sends-store";
import { savePage } from "../../src/dispatch/candidates-store";
import type { TicketContext } from "../../src/dispatch/support-context";
import { dueWeek, isWeek, lastFullWeek, weekRange } from "../../src/hedgehogs/digest-week";
import { EVERY_TEN_MINUTES } from "../../src/scheduled";
import type { Env } from "../../src/env";
import type { RecordedRequest } from "../fakes/types";
import { fakeSendEmail } from "./fake-send-email";
import { crashBefore } from "./helpers/crash";
import { BASE, call, dispatchAccount, fake, runCron, storeAnswer } from "./helpers";

let ticket = 8_000_000 + Math.floor(Math.random() * 100_000) * 10;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A team name no other test uses: a week's digests go to every team with answers that week. */
const freshTeam = (what: string) => `${what} ${Math.floor(Math.random() * 1e9)}`;

/** Survey emails sent to a team's customers, recorded through the dispatcher's own stores. */
async function seedEmailed(team: string, at: number, count: number) {
  const ids = Array.from({ length: count }, () => ticket++);
  await claimTickets(
    env.DB,
    ids.map((ticketId) => ({ ticketId, addressFingerprint: null, ticketUpdatedAt: at })),
    at,
  );
  const emails = ids.map((ticketId) => ({
    ticketId,
    addressFingerprint: null,
    snapshot: { to: `c${ticketId}@example.org`, name: null, team, distinctId: `d-${ticketId}`, linkExp: at + 30 * DAY },
    email: {
      to: `c${ticketId}@example.org`,
      from: "s@example.com",
      subject: "s",
      html: "h",
      text: "t",
      headers: {},
      idempotencyKey: `k${ticketId}`,
    },
  }));
  await startSending(env.DB, emails, { sendKey: `send-${ids[0]}`, provider: "resend" }, at);
  await settleSends(
    env.DB,
    { sent: ids.map((ticketId) => ({ ticketId, messageId: `m-${ticketId}` })), failed: [], notSent: [], unknown: [] },
    at,
  );
}

/** Whether each ticket's first reply met its target, stored as the Zendesk sync stores it. */
async function seedTargets(targets: Array<[ticketId: number, met: boolean | null]>) {
  const contexts: TicketContext[] = targets.map(([ticketId, met]) => ({
    ticketId,
    plan: "scale",
    severity: null,
    createdAt: 0,
    firstReplyMinutes: 60,
    firstReplyHours: 1,
    targetHours: met === null ? null : 24,
    targetMet: met,
    fullResolutionMinutes: null,
    reopens: 0,
    replies: 1,
    assigneeId: null,
    assigneeName: null,
    ticketUpdatedAt: 1,
  }));
  await savePage(env.DB, `digest-test-${ticket++}`, { candidates: [], addresses: [] }, contexts, {
    afterCursor: null,
    newestChange: null,
    state: "up to date",
    now: Date.now(),
    perPage: 100,
  });
}

let slackAccounts = 0;
/** A Slack and Resend account of the test's own whose teams are exactly those named in `teams`. */
async function digestAccount(
  teams: { slack?: string[]; emails?: Record<string, string> },
  overrides: Partial<Env> = {},
) {
  const slackUrl = inject("slackUrl");
  const slackName = `digest${Date.now().toString(36)}${slackAccounts++}${Math.floor(Math.random() * 1e6)}`;
  const webhookOf = (i: number) => `${slackUrl}/t/${slackName}/services/T009/B00${i}/digest`;
  const account = await dispatchAccount({
    SLACK_WEBHOOK_URLS: JSON.stringify(Object.fromEntries((teams.slack ?? []).map((t, i) => [t, webhookOf(i)]))),
    DIGEST_EMAILS: JSON.stringify(teams.emails ?? {}),
    SUPPORT_TIMEZONE: "Europe/London",
    WEEKLY_DIGEST: "on",
    ...overrides,
  });
  // No Zendesk sync in these runs (ZENDESK_BASE_URL stays set: the digest links to its tickets).
  const cronEnv = { ...account.env, TICKET_SOURCES: "posthog-support" } as Env;
  return {
    ...account,
    slackName,
    webhookPath: (i: number) => new URL(webhookOf(i)).pathname,
    async slackPosts(): Promise<RecordedRequest[]> {
      const all: RecordedRequest[] = await (await fetch(`${slackUrl}/__fake/requests`)).json();
      return all.filter((r) => r.path.startsWith(`/t/${slackName}/`));
    },
    /** The every-ten-minutes cron at `at`. */
    cron: (at: number) => runCron(EVERY_TEN_MINUTES, at, cronEnv),
  };
}

/**
 * The digest step called as the ten-minute cron calls it, with the account's settings and no email,
 * for a run whose database, fetch or lease clock the test controls.
 */
async function digestRun(account: { env: Env }) {
  const { runWeeklyDigests } = await import("../../src/hedgehogs/digest-job");
  const { settingsOf } = await import("../../src/config");
  const settings = settingsOf(account.env);
  const mailer = () => {
    throw new Error("no email in this test");
  };
  return (at: number, run: { db?: D1Database; fetcher?: typeof fetch; clock?: () => number } = {}) =>
    runWeeklyDigests({ db: run.db ?? env.DB, settings, fetcher: run.fetcher ?? fetch, mailer, clock: run.clock }, at);
}

const digestRow = (week: string, team: string) =>
  env.DB.prepare("SELECT * FROM weekly_digests WHERE week = ? AND team = ?")
    .bind(week, team)
    .first<Record<string, any>>();

describe("weeks of the Monday digest", () => {
  it("knows ISO weeks on the support team's calendar, and when last week's digest is due", () => {
    expect(isWeek("2026-W53")).toBe(true);
    expect(isWeek("2025-W53")).toBe(false);
    expect(isWeek("2026-W00")).toBe(false);
    expect(weekRange("2019-W03", "Europe/London")).toEqual({
      start: Date.parse("2019-01-14T00:00:00Z"),
      end: Date.parse("2019-01-21T00:00:00Z"),
    });
    // New York in March 2019: the week starts in EST (UTC-5) and ends in EDT (UTC-4).
    expect(weekRange("2019-W10", "America/New_York")).toEqual({
      start: Date.parse("2019-03-04T05:00:00Z"),
      end: Date.parse("2019-03-11T04:00:00Z"),
    });
    expect(dueWeek(Date.parse("2019-03-11T12:59:00Z"), "America/New_York")).toBeNull(); // 08:59 EDT
    expect(dueWeek(Date.parse("2019-03-11T13:00:00Z"), "America/New_York")).toBe("2019-W10");
    expect(dueWeek(Date.parse("2019-03-17T23:00:00Z"), "America/New_York")).toBe("2019-W10"); // Sunday evening
    expect(lastFullWeek(Date.parse("2021-01-01T12:00:00Z"), "UTC")).toBe("2020-W52");
  });
});

describe("the Monday digest", () => {
  it("posts last week's figures beside the week before's, the low ratings with reasons, comments and links", async () => {
    const team = freshTeam("Data warehouse");
    const account = await digestAccount(
      { slack: [team], emails: { [team]: "dw-team@example.org" } },
      { ZENDESK_BASE_URL: "https://acme.zendesk.example" },
    );
    const week = Date.parse("2019-01-14T10:00:00Z"); // Monday of 2019-W03
    const [loved, fine, slow, angry] = [ticket++, ticket++, ticket++, ticket++];
    await storeAnswer({ ticketId: loved, team, rating: 5, comment: "Lovely, thanks", at: week });
    await storeAnswer({ ticketId: fine, team, rating: 4, at: week + DAY });
    await storeAnswer({
      ticketId: slow,
      team,
      rating: 2,
      comment: "Took ages <b>really</b>",
      reasons: ["slow", "not_fixed_yet"],
      at: week + 2 * DAY,
    });
    await storeAnswer({ ticketId: angry, team, rating: 1, at: week + 6 * DAY + 13 * HOUR }); // Sunday 23:00
    for (const rating of [5, 5, 3]) await storeAnswer({ ticketId: ticket++, team, rating, at: week - 3 * DAY });
    await storeAnswer({ ticketId: ticket++, team, rating: 1, at: week + 7 * DAY + HOUR }); // this week: not yet
    await seedEmailed(team, week + HOUR, 10);
    await seedTargets([
      [loved, true],
      [slow, false],
      [fine, null],
    ]);

    await account.cron(Date.parse("2019-01-21T09:00:00Z"));

    const posts = await account.slackPosts();
    expect(posts.map((p) => p.path)).toEqual([account.webhookPath(0)]);
    const text = (posts[0]!.body as { text: string }).text;
    expect(text).toContain(`*Weekly CSAT digest: ${team}: the week of 14 January 2019 to 20 January 2019*`);
    expect(text).toContain("Answers: 4 (the week before: 3)");
    expect(text).toContain("CSAT (share of 4-5 ratings): 50.0% (the week before: 66.7%)");
    expect(text).toContain("Mean rating: 3.00 (the week before: 4.33)");
    expect(text).toContain("Response rate: 40.0% (10 surveys emailed)");
    expect(text).toContain("First-reply target: met 1, missed 1 (2 with no target or not known)");
    expect(text).toContain(
      "Low ratings (1-3) by reason: 2: The reply was slow 1, A bug or missing feature that was not fixed yet 1, no reason given 1",
    );
    expect(text).toContain("Hedgehogs fed: 4 (");
    const zendesk = "https://acme.zendesk.example/agent/tickets";
    expect(text).toContain(
      `• *1/5* on <${zendesk}/${angry}|ticket #${angry}>\n• *2/5* on <${zendesk}/${slow}|ticket #${slow}>: The reply was slow, A bug or missing feature that was not fixed yet\n> Took ages &lt;b&gt;really&lt;/b&gt;`,
    );
    expect(text).toContain(`*Comments*\n• *5/5* on <${zendesk}/${loved}|ticket #${loved}>\n> Lovely, thanks`);
    expect(text).not.toContain(`#${fine}`); // a 4 without a comment is counted, not listed

    // The email variant carries the same figures and lists, to the team's address.
    const [email, ...more] = await account.resendSent();
    expect(more).toEqual([]);
    expect(email!.to).toEqual(["dw-team@example.org"]);
    expect(email!.subject).toBe(
      `Weekly CSAT digest for ${team}: the week of 14 January 2019 to 20 January 2019: 4 answers, CSAT 50.0%`,
    );
    expect(email!.text).toContain("CSAT (share of 4-5 ratings): 50.0% (the week before: 66.7%)");
    expect(email!.text).toContain(
      `- 2/5 on ticket #${slow}: The reply was slow, A bug or missing feature that was not fixed yet (${zendesk}/${slow})\n  "Took ages <b>really</b>"`,
    );
    expect(email!.html).toContain(`href="${zendesk}/${slow}"`);
    expect(email!.html).toContain("Took ages &lt;b&gt;really&lt;/b&gt;");
    expect(await digestRow("2019-W03", team)).toMatchObject({ slack_status: "done", email_status: "done" });

    // Once stored, the preview shows the digest as it was sent, and how each channel stands.
    const preview = await call(
      new Request(`${BASE}/admin/digest/preview?team=${encodeURIComponent(team)}&week=2019-W03`, {
        headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
      }),
      account.env,
    );
    const page = await preview.text();
    expect(page).toContain("This digest was stored 2019-01-21 09:00 UTC");
    expect(page).toContain("<dt>Slack</dt><dd>done</dd><dt>Email</dt><dd>done</dd>");
    expect(page).toContain("Took ages &amp;lt;b&amp;gt;really&amp;lt;/b&amp;gt;"); // the Slack text, shown as text
  });

  it("is sent once per team and week however crons overlap, and waits out a Slack 429's Retry-After", async () => {
    const team = freshTeam("Replay");
    const account = await digestAccount({ slack: [team], emails: { [team]: "replay@example.org" } });
    const monday = Date.parse("2019-02-04T09:00:00Z");
    await storeAnswer({ ticketId: ticket++, team, rating: 5, at: monday - 3 * DAY });
    await fake("slackUrl").script([
      {
        method: "POST",
        path: account.webhookPath(0),
        status: 429,
        headers: { "retry-after": "1" },
        body: "rate_limited",
      },
    ]);

    await Promise.all([account.cron(monday), account.cron(monday), account.cron(monday + 30_000)]);
    expect((await account.slackPosts()).length).toBe(1); // the 429
    const waiting = await digestRow("2019-W05", team);
    expect(waiting).toMatchObject({ slack_status: "pending", email_status: "done" });
    expect(waiting!.slack_detail).toContain("429");
    expect(waiting!.next_attempt_at).toBeGreaterThan(monday + 30_000);

    // The next runs, overlapping again, post it once; later runs that week send nothing more.
    await new Promise((resolve) => setTimeout(resolve, 1100)); // Slack's Retry-After, in real time
    await Promise.all([account.cron(monday + 10 * 60_000), account.cron(monday + 10 * 60_000)]);
    await account.cron(monday + 20 * 60_000);
    await account.cron(monday + 3 * DAY);
    const posts = await account.slackPosts();
    expect(posts.length).toBe(2);
    expect((posts[1]!.body as { text: string }).text).toContain(`${team}: the week of 28 January 2019`);
    expect(await account.resendSent()).toHaveLength(1);
    const stats = await (
      await fetch(`${inject("slackUrl")}/__fake/slack/stats?prefix=/t/${account.slackName}/`)
    ).json();
    expect(stats).toMatchObject({ rateLimited: 1, earlyRequests: 0 });
    expect(await digestRow("2019-W05", team)).toMatchObject({ slack_status: "done", slack_detail: null });
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM weekly_digests WHERE team = ?").bind(team).first();
    expect(rows).toEqual({ n: 1 });
  });

  it("records a permanent Slack refusal with Slack's reason and never retries it", async () => {
    const team = freshTeam("Archived");
    const account = await digestAccount({ slack: [team] });
    const monday = Date.parse("2019-02-11T09:10:00Z");
    await storeAnswer({ ticketId: ticket++, team, rating: 2, at: monday - 2 * DAY });
    await fetch(`${inject("slackUrl")}/__fake/slack/config`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ archived: [account.webhookPath(0)] }),
    });
    await account.cron(monday);
    await account.cron(monday + 10 * 60_000);
    expect(await account.slackPosts()).toHaveLength(1);
    const row = await digestRow("2019-W06", team);
    expect(row).toMatchObject({ slack_status: "failed", email_status: "skipped" });
    expect(row!.slack_detail).toContain("channel_is_archived");
    expect(row!.email_detail).toContain("DIGEST_EMAILS");
  });

  it("goes out at the next run that week when no cron ran on Monday, in SUPPORT_TIMEZONE", async () => {
    const team = freshTeam("Sleepy");
    const account = await digestAccount({ slack: [team] }, { SUPPORT_TIMEZONE: "America/New_York" });
    // 2019-W12 in New York: Monday 18 March 04:00 UTC to Monday 25 March 04:00 UTC.
    await storeAnswer({ ticketId: ticket++, team, rating: 4, at: Date.parse("2019-03-24T23:00:00Z") }); // Sunday 19:00 EDT
    await account.cron(Date.parse("2019-03-25T12:50:00Z")); // Monday 08:50 in New York: not yet
    expect(await account.slackPosts()).toHaveLength(0);
    expect(await digestRow("2019-W12", team)).toBeNull();

    await account.cron(Date.parse("2019-03-27T15:00:00Z")); // no run on Monday after 09:00; Wednesday's run
    const posts = await account.slackPosts();
    expect(posts).toHaveLength(1);
    expect((posts[0]!.body as { text: string }).text).toContain("the week of 18 March 2019 to 24 March 2019");
    expect((posts[0]!.body as { text: string }).text).toContain("Answers: 1 (the week before: 0)");

    // The next Monday's run sends the next week's (a one-line one: no answers) and not this one again.
    await account.cron(Date.parse("2019-04-01T13:05:00Z"));
    const after = await account.slackPosts();
    expect(after).toHaveLength(2);
    expect((after[1]!.body as { text: string }).text).toBe(
      `:hedgehog: ${team}: the week of 25 March 2019 to 31 March 2019: no answers (the week before: 1).`,
    );
  });

  it("gives a team without answers a one-line digest, or none with DIGEST_EMPTY_WEEK=none", async () => {
    const quiet = freshTeam("Quiet");
    const line = await digestAccount({ slack: [quiet], emails: { [quiet]: "quiet@example.org" } });
    await line.cron(Date.parse("2019-04-15T09:00:00Z"));
    const posts = await line.slackPosts();
    expect(posts.map((p) => (p.body as { text: string }).text)).toEqual([
      `:hedgehog: ${quiet}: the week of 8 April 2019 to 14 April 2019: no answers (the week before: 0).`,
    ]);
    const [email] = await line.resendSent();
    expect(email!.subject).toBe(
      `Weekly CSAT digest for ${quiet}: the week of 8 April 2019 to 14 April 2019: no answers`,
    );
    expect(email!.text).toBe(`${quiet}: the week of 8 April 2019 to 14 April 2019: no answers (the week before: 0).`);

    const silent = freshTeam("Silent");
    const none = await digestAccount(
      { slack: [silent], emails: { [silent]: "silent@example.org" } },
      { DIGEST_EMPTY_WEEK: "none" },
    );
    await none.cron(Date.parse("2019-04-22T09:00:00Z"));
    await none.cron(Date.parse("2019-04-22T09:10:00Z"));
    expect(await none.slackPosts()).toHaveLength(0);
    expect(await none.resendSent()).toHaveLength(0);
    expect(await digestRow("2019-W16", silent)).toMatchObject({
      slack_status: "skipped",
      email_status: "skipped",
      slack_detail: "no answers that week (DIGEST_EMPTY_WEEK=none)",
    });
  });

  it("emails a team that has an address but no Slack webhook, and retries a Resend 503 without a second email", async () => {
    const team = freshTeam("Mail only");
    const account = await digestAccount({ emails: { [team]: "mail-only@example.org" } });
    const monday = Date.parse("2019-05-06T09:00:00Z");
    await storeAnswer({ ticketId: ticket++, team, rating: 3, reasons: ["billing"], at: monday - DAY });
    await fake("resendUrl").script([
      { method: "POST", path: `/t/${account.name}/emails/batch`, status: 503, body: { name: "internal_server_error" } },
    ]);
    await account.cron(monday);
    expect(await account.resendSent()).toHaveLength(0);
    const waiting = await digestRow("2019-W18", team);
    expect(waiting).toMatchObject({ slack_status: "skipped", email_status: "pending" });
    expect(waiting!.email_detail).toContain("503");
    await account.cron(monday + 10 * 60_000);
    await account.cron(monday + 20 * 60_000);
    const sent = await account.resendSent();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual(["mail-only@example.org"]);
    expect(sent[0]!.text).toContain("Low ratings (1-3) by reason: 1: Billing or account 1");
    expect(await account.slackPosts()).toHaveLength(0);
  });
});

describe("the Monday digest's team and lease", () => {
  it("counts the surveys of tickets without a team under the team their answers carry (Support)", async () => {
    const account = await digestAccount({ slack: ["Support"] });
    const weekStart = Date.parse("2018-10-08T12:00:00Z");
    await seedEmailed(null as unknown as string, weekStart, 2);
    await storeAnswer({ ticketId: ticket++, team: "Support", rating: 5, at: weekStart + DAY });
    await account.cron(Date.parse("2018-10-15T10:00:00Z"));
    const [post] = await account.slackPosts();
    expect((post!.body as { text: string }).text).toContain("Response rate: 50.0% (2 surveys emailed)");
  });

  it("keeps its lease when its run reaches the digest step long after the run's scheduled time", async () => {
    const team = freshTeam("Late run");
    const account = await digestAccount({ slack: [team] });
    const monday = Date.parse("2019-10-07T09:00:00Z");
    await storeAnswer({ ticketId: ticket++, team, rating: 2, at: monday - 2 * DAY });
    const runDigests = await digestRun(account);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inFlight = new Promise<void>((r) => (entered = r));
    let held = false;
    const slow: typeof fetch = async (input, init) => {
      if (!held && new Request(input as RequestInfo).url.includes(account.slackName)) {
        held = true;
        entered();
        await gate;
      }
      return fetch(input as RequestInfo, init);
    };
    // The 09:00 run is still posting when the 09:10 run comes; their scheduled times are ten minutes apart.
    const first = runDigests(monday, { fetcher: slow });
    await inFlight;
    await runDigests(monday + 10 * 60_000);
    release();
    await first;
    expect(await account.slackPosts()).toHaveLength(1);
  });
});

describe("the Monday digest on channels that take no idempotency key", () => {
  it("records a Slack post whose answer never came as failed, and never posts it again", async () => {
    const team = freshTeam("Slack 503");
    const account = await digestAccount({ slack: [team], emails: { [team]: "s503@example.org" } });
    const monday = Date.parse("2019-07-01T09:00:00Z");
    await storeAnswer({ ticketId: ticket++, team, rating: 4, at: monday - DAY });
    await fake("slackUrl").script([
      { method: "POST", path: account.webhookPath(0), status: 503, body: "service_unavailable" },
    ]);
    await account.cron(monday);
    await account.cron(monday + 2 * HOUR);
    await account.cron(monday + DAY);
    expect(await account.slackPosts()).toHaveLength(1);
    const row = await digestRow("2019-W26", team);
    expect(row).toMatchObject({ slack_status: "failed", email_status: "done" });
    expect(row!.slack_detail).toBe(
      "Slack answered 503: service_unavailable: outcome unknown, not sent again so that it is never delivered twice",
    );
    expect(row!.sent_at).not.toBeNull();
    expect(await account.resendSent()).toHaveLength(1); // Resend takes a key: its channel is unaffected
  });

  it("does not post again after a run stopped between Slack's answer and its record", async () => {
    const team = freshTeam("Stopped run");
    const account = await digestAccount({ slack: [team] });
    const monday = Date.parse("2019-07-08T09:00:00Z");
    await storeAnswer({ ticketId: ticket++, team, rating: 2, at: monday - DAY });
    const runDigests = await digestRun(account);
    const crashing = crashBefore(env.DB, /SET slack_status = \?3/);
    await expect(runDigests(monday, { db: crashing.db })).rejects.toThrow("simulated crash");
    expect(crashing.crashed()).toBe(true);
    expect(await account.slackPosts()).toHaveLength(1);
    expect(await digestRow("2019-W27", team)).toMatchObject({ slack_status: "sending" });

    // Within the stopped run's lease no run touches it; after it, the next run records it, unsent.
    await runDigests(monday + 10 * 60_000);
    expect(await digestRow("2019-W27", team)).toMatchObject({ slack_status: "sending" });
    await runDigests(monday + 20 * 60_000, { clock: () => Date.now() + 6 * 60_000 });
    const row = await digestRow("2019-W27", team);
    expect(row).toMatchObject({ slack_status: "failed", lease_until: 0 });
    expect(row!.slack_detail).toBe(
      "a run stopped while sending it: outcome unknown, not sent again so that it is never delivered twice",
    );
    expect(await account.slackPosts()).toHaveLength(1);
  });

  it("with Cloudflare's send_email waits out a rate limit, and records an internal error as failed, unsent", async () => {
    const binding = fakeSendEmail();
    const limited = freshTeam("CF limited");
    const broken = freshTeam("CF broken");
    const account = await digestAccount(
      { emails: { [limited]: "limited@example.org", [broken]: "broken@example.org" } },
      { MAIL_PROVIDER: "cloudflare", EMAIL: binding } as Partial<Env>,
    );
    const monday = Date.parse("2019-07-15T09:00:00Z");
    await storeAnswer({ ticketId: ticket++, team: limited, rating: 5, at: monday - DAY });
    await storeAnswer({ ticketId: ticket++, team: broken, rating: 5, at: monday - DAY });
    // Teams are sent in order of name: "CF broken …" first, then "CF limited …".
    binding.failNext("E_INTERNAL_SERVER_ERROR", "internal error");
    await account.cron(monday);
    expect(binding.sent.map((m) => m.to)).toEqual(["limited@example.org"]);

    binding.failNext("E_RATE_LIMIT_EXCEEDED", "rate limited");
    const nextTeam = freshTeam("CF next");
    await storeAnswer({ ticketId: ticket++, team: nextTeam, rating: 5, at: monday + 6 * DAY });
    const nextAccount = await digestAccount({ emails: { [nextTeam]: "next@example.org" } }, {
      MAIL_PROVIDER: "cloudflare",
      EMAIL: binding,
    } as Partial<Env>);
    const nextMonday = monday + 7 * DAY;
    await nextAccount.cron(nextMonday);
    const waiting = await digestRow("2019-W29", nextTeam);
    expect(waiting).toMatchObject({ email_status: "pending" });
    expect(waiting!.email_detail).toContain("E_RATE_LIMIT_EXCEEDED");
    await nextAccount.cron(nextMonday + 10 * 60_000);
    await nextAccount.cron(nextMonday + 20 * 60_000);
    expect(binding.sent.map((m) => m.to)).toEqual(["limited@example.org", "next@example.org"]);

    const row = await digestRow("2019-W28", broken);
    expect(row).toMatchObject({ email_status: "failed" });
    expect(row!.email_detail).toBe(
      "E_INTERNAL_SERVER_ERROR: internal error: outcome unknown, not sent again so that it is never delivered twice",
    );
  });
});

describe("the Monday digest's counts", () => {
  it("counts every low rating of each team however many the week had, listing the first 20", async () => {
    const busy = freshTeam("Busy");
    const small = freshTeam("Small");
    const account = await digestAccount({ slack: [busy, small] });
    const monday = Date.parse("2017-05-08T09:00:00Z"); // 2017-W18 ends
    const inWeek = monday - 3 * DAY;
    // More ones than a single cut list across teams (5,000) would hold, so a team's threes could be crowded out.
    const ones = Array.from({ length: 5_030 }, () => ticket++);
    for (let i = 0; i < ones.length; i += 100)
      await Promise.all(
        ones
          .slice(i, i + 100)
          .map((id, j) =>
            storeAnswer({ ticketId: id, team: busy, rating: 1, reasons: j % 2 ? ["slow"] : [], at: inWeek + i + j }),
          ),
      );
    for (const reasons of [["billing"], ["billing", "not_solved"], []])
      await storeAnswer({ ticketId: ticket++, team: small, rating: 3, reasons, at: inWeek + HOUR });
    await storeAnswer({ ticketId: ticket++, team: small, rating: 5, comment: "Great", at: inWeek });
    await account.cron(monday);

    const texts = (await account.slackPosts()).map((p) => (p.body as { text: string }).text);
    const of = (team: string) => texts.find((t) => t.includes(`Weekly CSAT digest: ${team}:`))!;
    expect(of(busy)).toContain("Low ratings (1-3) by reason: 5,030: The reply was slow 2,515, no reason given 2,515");
    expect(of(busy)).toContain("…and 5,010 low ratings more (see /admin/answers)");
    expect(of(busy).match(/^• \*1\/5\*/gm)).toHaveLength(20);
    expect(of(small)).toContain(
      "Low ratings (1-3) by reason: 3: My problem was not solved 1, Billing or account 2, no reason given 1",
    );
    expect(of(small).match(/^• \*3\/5\*/gm)).toHaveLength(3);
    expect(of(small)).toContain("*Comments*\n• *5/5*");
  }, 120_000);

  it("shows the hedgehogs fed by every team up to the week's end, however late it is read", async () => {
    const team = freshTeam("Hedgehogs then");
    const account = await digestAccount({ slack: [team] }, { SUPPORT_TIMEZONE: "UTC" });
    const week = "2016-W10"; // 7 to 13 March 2016
    const fedBy = async () => {
      const response = await call(
        new Request(`${BASE}/admin/digest/preview?team=${encodeURIComponent(team)}&week=${week}`, {
          headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
        }),
        account.env,
      );
      const match = /Hedgehogs fed: (\d+) \(([\d,]+) by every team up to the week&#39;s end\)/.exec(
        await response.text(),
      );
      return { team: Number(match![1]), all: Number(match![2]!.replace(/,/g, "")) };
    };
    await storeAnswer({ ticketId: ticket++, team, rating: 5, at: Date.parse("2016-03-09T12:00:00Z") });
    const before = await fedBy();
    expect(before.team).toBe(1);
    // An answer later in the same month, and one in a later month, fed hedgehogs after the week: not counted.
    await storeAnswer({ ticketId: ticket++, team, rating: 5, at: Date.parse("2016-03-20T12:00:00Z") });
    await storeAnswer({ ticketId: ticket++, team, rating: 4, at: Date.parse("2016-05-02T12:00:00Z") });
    expect(await fedBy()).toEqual(before);
    // One earlier in the month, and one the month before, are.
    await storeAnswer({ ticketId: ticket++, team, rating: 3, at: Date.parse("2016-03-01T12:00:00Z") });
    await storeAnswer({ ticketId: ticket++, team, rating: 2, at: Date.parse("2016-02-10T12:00:00Z") });
    expect(await fedBy()).toEqual({ team: 1, all: before.all + 2 });
  });
});

describe("erasure and the digest", () => {
  it("clears a person's comments from stored digests, keeping the rating and its link", async () => {
    const team = freshTeam("Erased");
    const account = await digestAccount({ slack: [team] });
    const id = ticket++;
    await storeAnswer({
      ticketId: id,
      team,
      rating: 2,
      comment: "Call me on 07700 900123",
      distinctId: `erase-${id}`,
      at: Date.parse("2019-06-05T12:00:00Z"),
    });
    await storeAnswer({ ticketId: ticket++, team, rating: 5, comment: "Kept", at: Date.parse("2019-06-05T13:00:00Z") });
    await account.cron(Date.parse("2019-06-10T09:00:00Z"));
    expect((await digestRow("2019-W23", team))!.figures).toContain("07700 900123");

    await account.eraseByDistinctId(`erase-${id}`);
    const digest = JSON.parse((await digestRow("2019-W23", team))!.figures);
    expect(digest.lowRatingList).toEqual([expect.objectContaining({ key: id, ticket: id, rating: 2, comment: null })]);
    expect(digest.comments).toEqual([expect.objectContaining({ rating: 5, comment: "Kept" })]);
  });
});

describe("/admin/digest/preview", () => {
  const admin = (path: string, e?: Env) =>
    call(new Request(`${BASE}${path}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), e);

  it("needs the admin token, and shows last full week's digest without storing or sending it", async () => {
    const team = freshTeam("Preview");
    const account = await digestAccount({ slack: [team] }, { SUPPORT_TIMEZONE: "UTC" });
    const week = lastFullWeek(Date.now(), "UTC");
    const { start } = weekRange(week, "UTC");
    await storeAnswer({ ticketId: ticket++, team, rating: 1, comment: "Nobody answered", at: start + HOUR });

    const path = `/admin/digest/preview?team=${encodeURIComponent(team)}`;
    const anonymous = await call(new Request(`${BASE}${path}`), account.env);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: "Sign in: send Authorization: Bearer <ADMIN_TOKEN>." });
    const browser = await call(new Request(`${BASE}${path}`, { headers: { accept: "text/html" } }), account.env);
    expect(browser.status).toBe(303);
    expect(browser.headers.get("location")).toBe("/admin/sign-in");

    const page = await admin(path, account.env);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("nothing is stored or sent");
    expect(html).toContain(`value="${week}"`);
    expect(html).toContain("Answers: 1 (the week before: 0)");
    expect(html).toContain("Nobody answered");
    expect(html).toContain("would post to the team&#39;s own webhook");
    expect(await account.slackPosts()).toHaveLength(0);
    expect(await digestRow(week, team)).toBeNull();

    const part = await admin(`/admin/digest/preview.html?team=${encodeURIComponent(team)}&week=${week}`, account.env);
    expect(part.status).toBe(200);
    expect(await part.text()).toContain("Nobody answered");
  });

  it("answers 400 with a reason for a missing or unknown team and a bad or unfinished week", async () => {
    const team = freshTeam("Known");
    const account = await digestAccount({ slack: [team] }, { SUPPORT_TIMEZONE: "UTC" });
    const error = async (path: string) => {
      const response = await admin(path, account.env);
      expect(response.status).toBe(400);
      return ((await response.json()) as { error: string }).error;
    };
    expect(await error("/admin/digest/preview")).toMatch(/^team is required/);
    expect(await error("/admin/digest/preview?team=")).toMatch(/^team is required/);
    expect(await error(`/admin/digest/preview?team=x&week=2019-13`)).toBe(
      "week must be an ISO week from 1970 on, such as 2026-W48",
    );
    expect(await error(`/admin/digest/preview?team=x&week=2025-W53`)).toBe(
      "week must be an ISO week from 1970 on, such as 2026-W48",
    );
    expect(await error(`/admin/digest/preview?team=x&week=1000-W01`)).toBe(
      "week must be an ISO week from 1970 on, such as 2026-W48",
    );
    const thisWeek = lastFullWeek(Date.now() + 7 * DAY, "UTC");
    expect(await error(`/admin/digest/preview?team=x&week=${thisWeek}`)).toBe(
      `the week ${thisWeek} has not ended yet; the last full week is ${lastFullWeek(Date.now(), "UTC")}`,
    );
    expect(await error(`/admin/digest/preview?team=Nobody&week=2019-W30`)).toContain(
      `no team called "Nobody" in 2019-W30: the teams that week are `,
    );
    expect(await error(`/admin/digest/preview?team=Nobody&week=2019-W30`)).toContain(team);
  });
});
