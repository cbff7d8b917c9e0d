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
import { supportContexts } from "./ticket-facts-store";
import { claimPendingCaptures, markCaptured, markCaptureFailed, type StoredAnswer } from "./responses-store";

const LEASE_MS = 60_000;
/** At most this many answers per run, one PostHog request (keeps one invocation far from its subrequest limit). */
const CAPTURE_BATCH_LIMIT = CAPTURE_BATCH_SIZE;

export interface DeliveryReport {
  delivered: number;
  failed: number;
  skipped: number;
}

/** Fixed per ticket and survey, so PostHog treats an edited answer as the same submission. */
function submissionIdFor(surveyId: string, ticketId: number): Promise<string> {
  return uuidFromName(`hedgehog-csat:submission:${surveyId}:${ticketId}`);
}

async function eventFor(
  settings: Settings,
  answer: StoredAnswer & { distinctId: string },
  support: SupportProperties | undefined,
): Promise<CaptureEvent> {
  return buildSurveySentEvent(
    {
      ticketId: answer.ticketId,
      distinctId: answer.distinctId,
      team: answer.team,
      initialTargetArea: answer.initialTargetArea,
      rating: answer.rating,
      comment: answer.comment,
      // Labels as the list has them now; an id no longer listed goes as it is rather than be lost.
      reasons: answer.reasons.map((id) => settings.lowRatingReasons.find((r) => r.id === id)?.label ?? id),
      submittedAt: answer.updatedAt,
      support,
    },
    settings.posthog,
    {
      submissionId: await submissionIdFor(settings.posthog.surveyId, answer.ticketId),
      // The same version of an answer always carries the same uuid, however often it is retried.
      uuid: await uuidFromName(
        `hedgehog-csat:survey-sent:${settings.posthog.surveyId}:${answer.ticketId}:v${answer.version}`,
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
  const answers = await claimPendingCaptures(db, now, { limit: CAPTURE_BATCH_LIMIT, leaseMs: LEASE_MS, ticketId });
  if (answers.length === 0) return report;
  const apiKey = settings.posthog.apiKey;
  const backoff = (a: StoredAnswer, atLeastMs: number) => ({
    ticketId: a.ticketId,
    nextAttemptAt: now + Math.max(atLeastMs, captureBackoffMs(a.captureAttempts)),
  });
  if (!apiKey) {
    console.log(`posthog: no POSTHOG_API_KEY set; ${answers.length} answers stay pending`);
    await markCaptureFailed(
      db,
      answers.map((a) => backoff(a, 0)),
      "POSTHOG_API_KEY is not set",
    );
    report.skipped = answers.length;
    return report;
  }
  // Erased before it reached PostHog: there is no person to send it for any more.
  const erased = answers.filter((a) => a.distinctId === null);
  await markCaptured(db, erased, now);
  report.skipped = erased.length;
  const sendable = answers.filter((a): a is StoredAnswer & { distinctId: string } => a.distinctId !== null);
  if (sendable.length === 0) return report;

  const contexts = await supportContexts(
    db,
    sendable.map((a) => a.ticketId),
  );
  const outcome = await captureToPostHog(
    {
      apiKey,
      host: settings.posthog.host,
      fetch: fetcher,
      db,
      attempt: 1 + Math.min(...sendable.map((a) => a.captureAttempts)),
    },
    await Promise.all(sendable.map((a) => eventFor(settings, a, contexts.get(a.ticketId)))),
  );
  // An answer is never dropped: a refusal (a wrong key, a malformed event) waits like an outage,
  // with the longer of PostHog's Retry-After and our back-off, and the log says why.
  if (outcome.kind === "done") await markCaptured(db, sendable, now);
  else {
    const retryAfterMs = outcome.kind === "retry" ? outcome.afterMs : 0;
    await markCaptureFailed(
      db,
      sendable.map((a) => backoff(a, retryAfterMs)),
      outcome.reason,
    );
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
