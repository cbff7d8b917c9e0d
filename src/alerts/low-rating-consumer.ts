import type { Settings } from "../config";
import { queueDelaySeconds } from "../services/backoff";
import type { Outcome } from "../services/outcome";
import { postToSlack } from "../services/slack";
import { addInternalNote, zendeskAccess, zendeskTicketUrl } from "../services/zendesk";
import { hasInternalNote } from "../services/zendesk-tickets";
import { loadAlert, markChannel, markNoteMaybePosted, type Alert, type ChannelStatus } from "./alerts-store";
import { noteMarker, slackMessage, webhookFor, zendeskNote } from "./low-rating";

export interface LowRatingMessage {
  ticketId: number;
  version: number;
  attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

type Deps = { db: D1Database; settings: Settings; fetcher: typeof fetch };

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
  return channelResult(await addInternalNote(access, alert.ticketId, zendeskNote(facts, marker), deps), true);
}

async function messageTeam(alert: Alert, deps: Deps) {
  const url = webhookFor(alert.team, deps.settings.slackWebhooks);
  if (!url) return { status: "skipped" as const, detail: "no Slack webhook for this team" };
  const facts = { ticketId: alert.ticketId, rating: alert.rating, comment: alert.comment, team: alert.team };
  const message = slackMessage(facts, zendeskTicketUrl(deps.settings.zendesk.baseUrl, alert.ticketId));
  return channelResult(await postToSlack(url, message, deps), false);
}

/**
 * Tells the team about a low answer: an internal note on the Zendesk ticket and a Slack message.
 * Each channel is recorded once done, so a retry repeats only what failed. A closed ticket (Zendesk's
 * 422, told apart by its body) is recorded as skipped; other refusals as failed; rate limits and
 * outages wait. An answer raised above 2 before its alert went out is not alerted.
 */
export async function consumeLowRatings(
  messages: LowRatingMessage[],
  deps: Deps,
): Promise<{ notes: number; slack: number; retried: number; dropped: number }> {
  const { db } = deps;
  const report = { notes: 0, slack: 0, retried: 0, dropped: 0 };
  for (const m of messages) {
    const alert = await loadAlert(db, m.ticketId, m.version);
    if (!alert) {
      m.ack();
      continue;
    }
    const key = { ticketId: m.ticketId, version: m.version };
    if (alert.currentRating > 2) {
      const why = `the answer was changed to ${alert.currentRating} before the alert went out`;
      if (alert.zendesk === "pending") await markChannel(db, key, "zendesk", "skipped", why);
      if (alert.slack === "pending") await markChannel(db, key, "slack", "skipped", why);
      report.dropped++;
      m.ack();
      continue;
    }
    const waits: number[] = [];
    if (alert.zendesk === "pending") {
      const result = await noteOnTicket(alert, deps);
      if ("maybePosted" in result && result.maybePosted) await markNoteMaybePosted(db, key, result.detail!);
      else await markChannel(db, key, "zendesk", result.status, result.detail);
      if (result.status === "done") report.notes++;
      if ("waitMs" in result && result.waitMs !== undefined) waits.push(result.waitMs);
    }
    if (alert.slack === "pending") {
      const result = await messageTeam(alert, deps);
      await markChannel(db, key, "slack", result.status, result.detail);
      if (result.status === "done") report.slack++;
      if ("waitMs" in result && result.waitMs !== undefined) waits.push(result.waitMs);
    }
    if (waits.length > 0) {
      m.retry({ delaySeconds: queueDelaySeconds(Math.max(...waits)) });
      report.retried++;
    } else {
      m.ack();
    }
  }
  return report;
}
