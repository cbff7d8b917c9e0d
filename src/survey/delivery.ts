import type { Settings } from "../config";
import { uuidFromName } from "../lib/ids";
import { CAPTURE_BATCH_SIZE, captureToPostHog } from "../services/posthog-capture";
import {
  buildSurveySentEvent,
  buildSurveyShownEvent,
  captureBackoffMs,
  type CaptureEvent,
  type SupportProperties,
} from "./posthog-event";
import { ticketContexts, type TicketContextRow } from "../dispatch/candidates-store";
import { claimPendingCaptures, markCaptured, markCaptureFailed, type ResponseRow } from "./responses-store";

const LEASE_MS = 60_000;
/** At most this many answers per run, one PostHog request (keeps one invocation far from its subrequest limit). */
export const CAPTURE_BATCH_LIMIT = CAPTURE_BATCH_SIZE;

export interface DeliveryReport {
  delivered: number;
  failed: number;
  skipped: number;
}

/** Fixed per ticket and survey, so PostHog treats an edited answer as the same submission. */
export function submissionIdFor(surveyId: string, ticketId: number): Promise<string> {
  return uuidFromName(`hedgehog-csat:submission:${surveyId}:${ticketId}`);
}

/** The event's support properties from what the sync knows (answers to unsigned or manual links included). */
export function supportProperties(c: TicketContextRow | undefined): SupportProperties | undefined {
  if (!c) return undefined;
  return {
    plan: c.plan,
    severity: c.severity,
    firstReplyHours: c.first_reply_hours,
    targetHours: c.target_hours,
    targetMet: c.target_met === null ? null : c.target_met === 1,
    reopens: c.reopens,
    replies: c.replies,
    assigneeId: c.assignee_id,
    assignee: c.assignee_name,
  };
}

async function eventFor(
  settings: Settings,
  row: ResponseRow & { distinct_id: string },
  context: TicketContextRow | undefined,
): Promise<CaptureEvent> {
  return buildSurveySentEvent(
    {
      ticketId: row.ticket_id,
      distinctId: row.distinct_id,
      team: row.team,
      initialTargetArea: row.initial_target_area,
      rating: row.rating,
      comment: row.comment,
      submittedAt: row.updated_at,
      support: supportProperties(context),
    },
    settings.posthog,
    {
      submissionId: await submissionIdFor(settings.posthog.surveyId, row.ticket_id),
      // The same version of an answer always carries the same uuid, however often it is retried.
      uuid: await uuidFromName(
        `hedgehog-csat:survey-sent:${settings.posthog.surveyId}:${row.ticket_id}:v${row.version}`,
      ),
    },
  );
}

/**
 * Delivers the answers PostHog has not accepted yet (or just one ticket's), oldest due first, in one
 * request. A failure leaves each of them pending with back-off; without a key they simply stay
 * pending, and the log says so.
 */
export async function deliverPendingResponses(
  settings: Settings,
  db: D1Database,
  now: number,
  options: { ticketId?: number; fetcher?: typeof fetch } = {},
): Promise<DeliveryReport> {
  const { ticketId, fetcher } = options;
  const report: DeliveryReport = { delivered: 0, failed: 0, skipped: 0 };
  const rows = await claimPendingCaptures(db, now, CAPTURE_BATCH_LIMIT, LEASE_MS, ticketId);
  if (rows.length === 0) return report;
  const apiKey = settings.posthog.apiKey;
  if (!apiKey) {
    console.log(`posthog: no POSTHOG_API_KEY set; ${rows.length} answers stay pending`);
    for (const row of rows)
      await markCaptureFailed(
        db,
        row.ticket_id,
        now + captureBackoffMs(row.capture_attempts),
        "POSTHOG_API_KEY is not set",
      );
    report.skipped = rows.length;
    return report;
  }
  // Erased before it reached PostHog: there is no person to send it for any more.
  const erased = rows.filter((r) => r.distinct_id === null);
  for (const row of erased) await markCaptured(db, row.ticket_id, row.version, now);
  report.skipped = erased.length;
  const sendable = rows.filter((r): r is ResponseRow & { distinct_id: string } => r.distinct_id !== null);
  if (sendable.length === 0) return report;

  const contexts = await ticketContexts(db, sendable.map((r) => r.ticket_id));
  const outcome = await captureToPostHog(
    { apiKey, host: settings.posthog.host, fetch: fetcher, db, attempt: 1 + Math.min(...sendable.map((r) => r.capture_attempts)) },
    await Promise.all(sendable.map((row) => eventFor(settings, row, contexts.get(row.ticket_id)))),
  );
  // An answer is never dropped: a refusal (a wrong key, a malformed event) waits like an outage,
  // with the longer of PostHog's Retry-After and our back-off, and the log says why.
  for (const row of sendable) {
    if (outcome.kind === "done") await markCaptured(db, row.ticket_id, row.version, now);
    else {
      const waitMs = Math.max(outcome.kind === "retry" ? outcome.afterMs : 0, captureBackoffMs(row.capture_attempts));
      await markCaptureFailed(db, row.ticket_id, now + waitMs, outcome.reason);
    }
  }
  if (outcome.kind === "done") report.delivered = sendable.length;
  else {
    report.failed = sendable.length;
    console.warn(`posthog: ${sendable.length} answers not accepted (will retry): ${outcome.reason}`);
  }
  return report;
}

/** Best effort: a lost impression costs nothing, a lost answer would. */
export async function captureSurveyShown(
  settings: Settings,
  db: D1Database,
  view: { ticketId: number; distinctId: string; team: string; shownAt: number },
): Promise<void> {
  const apiKey = settings.posthog.apiKey;
  if (!apiKey) return;
  const uuid = await uuidFromName(`hedgehog-csat:survey-shown:${settings.posthog.surveyId}:${view.ticketId}`);
  const outcome = await captureToPostHog(
    { apiKey, host: settings.posthog.host, db },
    buildSurveyShownEvent(view, settings.posthog, uuid),
  );
  if (outcome.kind !== "done")
    console.warn(`posthog: survey shown for ticket ${view.ticketId} not accepted: ${outcome.reason}`);
}
