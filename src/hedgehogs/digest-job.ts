import { checkSupportTimeZone, type Settings } from "../config";
import { sha256Hex } from "../lib/ids";
import { forTeam } from "../lib/teams";
import { backoffMs } from "../services/backoff";
import type { Mailer } from "../services/mail";
import type { Outcome } from "../services/outcome";
import { postToSlack, webhookFor } from "../services/slack";
import { digestSlackText, isEmptyWeek, type WeeklyDigest } from "./digest";
import { renderDigestEmail } from "./digest-email";
import {
  computeWeekDigests,
  endDigestAttempt,
  findDigest,
  leaseDigest,
  markDigestChannel,
  owedDigests,
  startChannelSend,
  storeWeekOnce,
  weekStored,
  type ChannelState,
  type DigestSources,
  type StoredDigest,
} from "./digest-store";
import { dueWeek } from "./digest-week";

export interface DigestDeps {
  db: D1Database;
  settings: Settings;
  /** Made only when an email is due (a provider missing its key must not stop the Slack messages). */
  mailer: () => Mailer;
  fetcher: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** The clock leases are held on (Date.now()); a test moves it past a lease that a stopped run left. */
  clock?: () => number;
}

/** How long one run holds a digest it is delivering: far longer than a paced Slack post and an email take. */
const LEASE_MS = 5 * 60_000;
/** After this many attempts a channel still failing transiently is recorded as failed, with its last reason. */
const DIGEST_MAX_ATTEMPTS = 12;
/** At most this many digests are delivered by one run (each team's webhook is paced to one post a second). */
const DIGESTS_PER_RUN = 25;

export function digestSources(settings: Settings): DigestSources {
  return {
    timeZone: settings.support.timeZone,
    reasons: settings.lowRatingReasons,
    teamSettings: [settings.slackWebhooks, settings.digest.emails],
    zendeskBaseUrl: settings.zendesk.baseUrl,
    posthog: { appHost: settings.posthog.appHost, projectId: settings.posthog.projectId },
  };
}

/** What a new digest owes each channel: nothing for an empty week with DIGEST_EMPTY_WEEK=none, or no webhook or address. */
export function channelsOwed(d: WeeklyDigest, settings: Settings): { slack: ChannelState; email: ChannelState } {
  if (!settings.digest.enabled) {
    const off = { status: "skipped", detail: "WEEKLY_DIGEST=off" } as const;
    return { slack: off, email: off };
  }
  if (isEmptyWeek(d) && settings.digest.emptyWeek === "none") {
    const none = { status: "skipped", detail: "no answers that week (DIGEST_EMPTY_WEEK=none)" } as const;
    return { slack: none, email: none };
  }
  return {
    slack: webhookFor(d.team, settings.slackWebhooks)
      ? { status: "pending", detail: null }
      : { status: "skipped", detail: "no Slack webhook for this team (SLACK_WEBHOOK_URLS)" },
    email: forTeam(d.team, settings.digest.emails)
      ? { status: "pending", detail: null }
      : { status: "skipped", detail: "no address for this team (DIGEST_EMAILS)" },
  };
}

/**
 * Marks the channel as being sent when its call cannot be replayed safely (`replaySafe` false); false
 * when this run no longer holds the digest, and must leave the channel alone.
 */
type Claim = (replaySafe: boolean) => Promise<boolean>;

/** A channel's delivery: no outcome (null) when the run lost its hold before the call. */
type ChannelSend = (stored: StoredDigest, deps: DigestDeps, claim: Claim) => Promise<Outcome<unknown> | null>;

const OUTCOME_UNKNOWN = "outcome unknown, not sent again so that it is never delivered twice";

/**
 * A channel's outcome as stored: done, failed for good, or still pending with the wait before the
 * next try. A call that may have gone through cannot be retried unless its replay is idempotent.
 */
function stateOf(outcome: Outcome<unknown>, attempts: number, replaySafe: boolean): ChannelState & { waitMs?: number } {
  if (outcome.kind === "done") return { status: "done", detail: null };
  if (outcome.kind === "failed") return { status: "failed", detail: outcome.reason };
  if (outcome.maybeDone && !replaySafe) return { status: "failed", detail: `${outcome.reason}: ${OUTCOME_UNKNOWN}` };
  if (attempts >= DIGEST_MAX_ATTEMPTS)
    return { status: "failed", detail: `gave up after ${attempts} attempts: ${outcome.reason}` };
  return { status: "pending", detail: outcome.reason, waitMs: outcome.afterMs };
}

/** Slack's incoming webhooks take no idempotency key: a post is never replayed safely. */
const postDigest: ChannelSend = async (stored, deps, claim) => {
  const url = webhookFor(stored.team, deps.settings.slackWebhooks);
  if (!url) return { kind: "failed", reason: "the team's Slack webhook was removed from SLACK_WEBHOOK_URLS" };
  if (!(await claim(false))) return null;
  return postToSlack(url, { text: digestSlackText(stored.digest) }, deps);
};

const emailDigest: ChannelSend = async (stored, deps, claim) => {
  const to = forTeam(stored.team, deps.settings.digest.emails);
  if (!to) return { kind: "failed", reason: "the team's address was removed from DIGEST_EMAILS" };
  // One key per team and week: with a provider that takes keys, a replay is never delivered twice.
  const key = `weekly-digest-${stored.week}-${(await sha256Hex(stored.team)).slice(0, 24)}`;
  let mailer: Mailer;
  try {
    mailer = deps.mailer();
  } catch (err) {
    return {
      kind: "retry",
      afterMs: 15 * 60_000,
      reason: String(err instanceof Error ? err.message : err),
      maybeDone: false,
    };
  }
  if (!(await claim(mailer.idempotent))) return null;
  const email = renderDigestEmail(stored.digest);
  const [result] = await mailer.send(
    [{ ...email, headers: {}, to, from: deps.settings.mail.from, idempotencyKey: key }],
    key,
  );
  return result ?? { kind: "failed", reason: "no outcome from the mail provider" };
};

/**
 * Sends what one digest leased until `leaseUntil` still owes (its attempts count this one), each
 * channel recorded as soon as it is known. A channel found `sending` was left so by a run that
 * stopped mid-call: whether it went is unknown, so it is recorded as failed, not sent again.
 */
async function deliverDigest(stored: StoredDigest, deps: DigestDeps, now: number, leaseUntil: number) {
  const attempts = stored.attempts;
  const waits: number[] = [];
  const sent = { slack: 0, email: 0 };
  const channels = [
    ["slack", stored.slack, postDigest],
    ["email", stored.email, emailDigest],
  ] as const;
  for (const [channel, state, send] of channels) {
    if (state.status === "sending") {
      const detail = `a run stopped while sending it: ${OUTCOME_UNKNOWN}`;
      await markDigestChannel(deps.db, stored, channel, { status: "failed", detail }, "sending");
      continue;
    }
    if (state.status !== "pending") continue;
    let from: "pending" | "sending" = "pending";
    const claim: Claim = async (replaySafe) => {
      if (replaySafe) return true;
      from = "sending";
      return startChannelSend(deps.db, stored, channel, leaseUntil);
    };
    const outcome = await send(stored, deps, claim);
    if (outcome === null) continue;
    const result = stateOf(outcome, attempts, from === "pending");
    await markDigestChannel(deps.db, stored, channel, { status: result.status, detail: result.detail }, from);
    if (result.status === "done") sent[channel]++;
    if (result.waitMs !== undefined) waits.push(result.waitMs);
  }
  // The service's own wait (Retry-After) when it gave one, and never sooner than the back-off.
  const nextAt = waits.length > 0 ? now + Math.max(...waits, backoffMs(attempts, { baseMs: 60_000 })) : 0;
  await endDigestAttempt(deps.db, stored, { nextAttemptAt: nextAt, now, leaseUntil });
  return { ...sent, waiting: waits.length > 0 ? 1 : 0 };
}

/**
 * The Monday digest, run by the every-ten-minutes cron: from Monday 09:00 in SUPPORT_TIMEZONE the
 * first run stores last week's digest of every team (once: the week's rows are keyed by team and
 * week), and every run sends what stored digests still owe. A run holds a digest while it sends it,
 * so overlapping runs never send one twice; a transient failure waits and is retried, a permanent one
 * is recorded with its reason.
 */
export async function runWeeklyDigests(deps: DigestDeps, now: number) {
  if (!deps.settings.digest.enabled) return "skipped: WEEKLY_DIGEST=off";
  checkSupportTimeZone(deps.settings);
  const week = dueWeek(now, deps.settings.support.timeZone);
  let stored = 0;
  if (week !== null && !(await weekStored(deps.db, week))) {
    const digests = await computeWeekDigests(deps.db, week, digestSources(deps.settings));
    stored = await storeWeekOnce(
      deps.db,
      digests.map((digest) => ({ digest, ...channelsOwed(digest, deps.settings) })),
      now,
    );
  }
  const report = { week, stored, slack: 0, email: 0, waiting: 0 };
  const clockNow = deps.clock ?? Date.now;
  for (const owed of await owedDigests(deps.db, now, clockNow(), DIGESTS_PER_RUN)) {
    const clock = clockNow();
    const until = clock + LEASE_MS;
    if (!(await leaseDigest(deps.db, owed, { now, clock, until }))) continue;
    // Read again under the lease: another run may have settled a channel since the list was read.
    const leased = await findDigest(deps.db, owed.week, owed.team);
    if (!leased) continue;
    const done = await deliverDigest(leased, deps, now, until);
    report.slack += done.slack;
    report.email += done.email;
    report.waiting += done.waiting;
  }
  return report;
}
