import type { FollowupDelivery, FollowupDeps } from "../followups/owed";
import { queueDelaySeconds } from "../services/backoff";
import type { Outcome } from "../services/outcome";
import { postToSlack, webhookFor } from "../services/slack";
import { addInternalNote, zendeskAccess } from "../services/zendesk";
import { hasInternalNote } from "../services/zendesk-tickets";
import {
  loadFollowup,
  nextVersionAt,
  retryWaitMs,
  settleFollowup,
  type Followup,
  type FollowupKey,
  type FollowupOutcome,
} from "../followups/outbox-store";
import { sourceOfKey } from "../lib/ticket-keys";
import { ticketPage, ticketPageSettings } from "../services/ticket-pages";
import {
  postHogTicketOf,
  lastAlert,
  loadAlert,
  markChannel,
  markNoteMaybePosted,
  recordAlert,
  withdrawAlert,
  withdrawWaitingAlerts,
  type Alert,
  type ChannelStatus,
} from "./alerts-store";
import { alertDue, internalNote, noteMarker, replacedBeforeItsDay, slackMessage } from "./low-rating";
import { addPrivateNote, hasPrivateNote, postHogSupportAccess } from "../services/posthog-support";

type Deps = FollowupDeps;

/** What a channel's outcome means for the alert: its new status, and how long to wait if it must be tried again. */
function channelResult(
  outcome: Outcome<unknown>,
  closedMeansSkipped: boolean,
): { status: ChannelStatus; detail: string | null; waitMs?: number; maybePosted?: boolean } {
  if (outcome.kind === "done") return { status: "done", detail: null };
  if (outcome.kind === "retry")
    return { status: "pending", detail: outcome.reason, waitMs: outcome.afterMs, maybePosted: outcome.maybeDone };
  if (closedMeansSkipped && outcome.code === "closed")
    return { status: "skipped", detail: `ticket is closed: ${outcome.reason}` };
  return { status: "failed", detail: outcome.reason };
}

async function noteOnTicket(alert: Alert, deps: Deps) {
  if (sourceOfKey(alert.ticketId) === "posthog-support") return noteOnPostHogTicket(alert, deps);
  const access = zendeskAccess(deps.settings.zendesk);
  if (!access) return { status: "skipped" as const, detail: "Zendesk is not configured" };
  const marker = noteMarker(alert);
  if (alert.zendeskMaybePosted) {
    // The last attempt may have posted the note (ticket updates take no idempotency key): look first.
    const found = await hasInternalNote(access, alert.ticketId, marker, { ...deps, maxWaitMs: 20_000 });
    if (found.kind !== "done") return { ...channelResult(found, true), maybePosted: false };
    if (found.value) return { status: "done" as const, detail: "found on the ticket after an attempt with no answer" };
  }
  const facts = { ticketId: alert.ticketId, rating: alert.rating, comment: alert.comment, team: alert.team };
  return channelResult(await addInternalNote(access, alert.ticketId, internalNote(facts, marker), deps), true);
}

/**
 * The same note as a private one on a PostHog Support ticket. The reply endpoint takes no idempotency
 * key (every POST adds a comment), so after an attempt that may have been stored the ticket's messages
 * are read first, as on Zendesk.
 */
async function noteOnPostHogTicket(alert: Alert, deps: Deps) {
  const access = postHogSupportAccess(deps.settings.posthog);
  if (!access) return { status: "skipped" as const, detail: "PostHog Support is not configured" };
  const ticket = await postHogTicketOf(deps.db, alert.ticketId);
  if (!ticket) return { status: "failed" as const, detail: "the product never saw this PostHog Support ticket" };
  const call = { db: deps.db, fetcher: deps.fetcher, maxWaitMs: 20_000 };
  const marker = noteMarker(alert);
  if (alert.zendeskMaybePosted) {
    const found = await hasPrivateNote(access, ticket.uuid, marker, call);
    if (found.kind !== "done") return { ...channelResult(found, false), maybePosted: false };
    if (found.value) return { status: "done" as const, detail: "found on the ticket after an attempt with no answer" };
  }
  const facts = { ticketId: ticket.number, rating: alert.rating, comment: alert.comment, team: alert.team };
  const posted = await addPrivateNote(access, ticket.uuid, internalNote(facts, marker), call);
  if (posted.kind === "failed" && posted.code === "404")
    return { status: "skipped" as const, detail: `the ticket is gone from PostHog Support: ${posted.reason}` };
  return channelResult(posted, false);
}

async function messageTeam(alert: Alert, deps: Deps) {
  const url = webhookFor(alert.team, deps.settings.slackWebhooks);
  if (!url) return { status: "skipped" as const, detail: "no Slack webhook for this team" };
  const ticket = await ticketForTeam(alert.ticketId, deps);
  const facts = { ticketId: ticket.number, rating: alert.rating, comment: alert.comment, team: alert.team };
  return channelResult(await postToSlack(url, slackMessage(facts, ticket.url), deps), false);
}

/** The ticket as the team knows it: its number and page, in Zendesk or in PostHog Support. */
async function ticketForTeam(ticketKey: number, deps: Deps): Promise<{ number: number; url: string | null }> {
  const posthog = sourceOfKey(ticketKey) === "posthog-support" ? await postHogTicketOf(deps.db, ticketKey) : null;
  const page = ticketPage(ticketKey, posthog?.number ?? null, ticketPageSettings(deps.settings));
  return { number: page.number ?? ticketKey, url: page.url };
}

type Report = { notes: number; slack: number; retried: number; dropped: number; waiting: number };

/**
 * The alert an outbox row owes, decided once: none (a rating above 2, the same answer as the last
 * alert, or replaced before its day), one that waits for its day (the row waits too; the cron queues
 * it then), or one that may go out now. An alert decided earlier is the one to send.
 */
async function decide(row: Followup, db: D1Database, now: number): Promise<Alert | FollowupOutcome> {
  const key: FollowupKey = row;
  const withdrawn = await withdrawWaitingAlerts(db, {
    ticketId: row.ticketId,
    version: row.version,
    at: row.createdAt,
  });
  const replaced = { status: "skipped", detail: `replaced by version ${row.version} before its day` } as const;
  if (withdrawn.length > 0)
    await db.batch(withdrawn.map((version) => settleFollowup(db, { ...key, version }, replaced, now)));
  const nextAt = await nextVersionAt(db, key);
  const decided = await loadAlert(db, row.ticketId, row.version);
  if (decided) {
    if (!replacedBeforeItsDay({ at: decided.createdAt, notBefore: decided.notBefore }, nextAt)) return decided;
    await withdrawAlert(db, row).run();
    return { status: "skipped", detail: "replaced by a later answer before its day" };
  }
  if (row.rating > 2) return { status: "done", detail: null };
  const due = alertDue({ contentKey: row.contentKey, at: row.createdAt }, await lastAlert(db, row.ticketId), nextAt);
  if (!due.raise) return { status: "skipped", detail: due.why };
  const raise = recordAlert(db, { ...row, notBefore: due.notBefore });
  if (due.notBefore > now) {
    // Recorded with its wait in one transaction: the row never looks due before its day.
    await db.batch([raise, settleFollowup(db, key, { status: "waiting", until: due.notBefore }, now)]);
    return { status: "waiting", until: due.notBefore };
  }
  await raise.run();
  return (await loadAlert(db, row.ticketId, row.version))!;
}

/** Sends what the alert has not sent yet; what the row comes to (settled, or to be tried again). */
async function deliver(alert: Alert, deps: Deps, report: Report): Promise<FollowupOutcome> {
  const { db } = deps;
  const key = { ticketId: alert.ticketId, version: alert.version };
  if (alert.currentRating > 2) {
    const why = `the answer was changed to ${alert.currentRating} before the alert went out`;
    if (alert.zendesk === "pending") await markChannel(db, key, "zendesk", "skipped", why);
    if (alert.slack === "pending") await markChannel(db, key, "slack", "skipped", why);
    report.dropped++;
    return { status: "skipped", detail: why };
  }
  const waits: number[] = [];
  const problems: string[] = [];
  const tally = (result: { status: ChannelStatus; detail: string | null; waitMs?: number }, channel: string) => {
    if (result.waitMs !== undefined) waits.push(result.waitMs);
    if (result.status === "failed" || result.status === "pending") problems.push(`${channel}: ${result.detail}`);
  };
  if (alert.zendesk === "pending") {
    const result = await noteOnTicket(alert, deps);
    if ("maybePosted" in result && result.maybePosted) await markNoteMaybePosted(db, key, result.detail!);
    else await markChannel(db, key, "zendesk", result.status, result.detail);
    if (result.status === "done") report.notes++;
    tally(result, "Zendesk");
  }
  if (alert.slack === "pending") {
    const result = await messageTeam(alert, deps);
    await markChannel(db, key, "slack", result.status, result.detail);
    if (result.status === "done") report.slack++;
    tally(result, "Slack");
  }
  if (waits.length > 0) return { status: "retry", waitMs: Math.max(...waits), detail: problems.join("; ") };
  return problems.length > 0 ? { status: "failed", detail: problems.join("; ") } : { status: "done", detail: null };
}

/**
 * Drains the outbox's low-rating rows: tells the team about a low answer with an internal note on the
 * Zendesk ticket and a Slack message. Each channel is recorded once done, so a retry repeats only what
 * failed. A closed ticket (Zendesk's 422, told apart by its body) is recorded as skipped; other
 * refusals as failed; rate limits and outages wait. An answer raised above 2 before its alert went out
 * is not alerted. A row already settled, or waiting for its day, is left as it is (a redelivered or
 * early message does nothing).
 */
export async function consumeLowRatings(messages: FollowupDelivery[], deps: Deps): Promise<Report> {
  const { db } = deps;
  const report: Report = { notes: 0, slack: 0, retried: 0, dropped: 0, waiting: 0 };
  for (const m of messages) {
    const key = { ticketId: m.ticketId, version: m.version, kind: "low-rating-alert" } as const;
    const row = await loadFollowup(db, key);
    if (row?.status !== "pending") {
      m.ack();
      continue;
    }
    const decided = await decide(row, db, Date.now());
    if ("status" in decided && decided.status === "waiting") report.waiting++;
    let outcome = "status" in decided ? decided : await deliver(decided, deps, report);
    if (outcome.status === "retry") outcome = { ...outcome, waitMs: retryWaitMs(row.attempts, outcome.waitMs) };
    // A waiting row was settled with its alert (see decide).
    if (outcome.status !== "waiting") await settleFollowup(db, key, outcome, Date.now()).run();
    if (outcome.status === "retry") {
      m.retry({ delaySeconds: queueDelaySeconds(outcome.waitMs) });
      report.retried++;
    } else {
      m.ack();
    }
  }
  return report;
}
