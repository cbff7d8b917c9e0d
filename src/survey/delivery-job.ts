import type { Settings } from "../config";
import { sourceOfKey } from "../lib/ticket-keys";
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
import { markCaptured, markCaptureFailed, type CaptureClaim, type CaptureTable } from "./capture-store";
import { claimPendingImpressions, type StoredImpression } from "./impressions-store";
import { claimPendingCaptures, type StoredAnswer } from "./responses-store";

const LEASE_MS = 60_000;
/** At most this many events of a kind per run, one PostHog request (keeps one invocation far from its subrequest limit). */
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

/** What delivery needs of any stored event: its ticket, its person (null once erased), its failed tries. */
interface PendingCapture {
  ticketId: number;
  distinctId: string | null;
  captureAttempts: number;
  /** Which version of a response is sent (an impression is never edited, so it has none). */
  version?: number;
}

type Sendable<Row extends PendingCapture> = Row & { distinctId: string };

/**
 * One kind of event D1 keeps until PostHog takes it: the table it waits in, how its rows are leased,
 * and how rows become their events, each under a uuid fixed by what the row is, so that every retry
 * carries the same one.
 */
interface CaptureKind<Row extends PendingCapture> {
  table: CaptureTable;
  /** What the log calls them. */
  noun: string;
  claim(db: D1Database, now: number, claim: CaptureClaim): Promise<Row[]>;
  events(settings: Settings, db: D1Database, rows: Array<Sendable<Row>>): Promise<CaptureEvent[]>;
}

const ANSWERS: CaptureKind<StoredAnswer> = {
  table: "responses",
  noun: "answers",
  claim: claimPendingCaptures,
  async events(settings, db, answers) {
    const contexts = await supportContexts(
      db,
      answers.map((a) => a.ticketId),
    );
    return Promise.all(answers.map((a) => eventFor(settings, a, contexts.get(a.ticketId))));
  },
};

const IMPRESSIONS: CaptureKind<StoredImpression> = {
  table: "survey_impressions",
  noun: "impressions",
  claim: claimPendingImpressions,
  events: async (settings, db, views) => {
    // A PostHog Support ticket is named by its uuid in the event (its key is the product's own).
    const postHogTickets = views.filter((v) => sourceOfKey(v.ticketId) === "posthog-support").map((v) => v.ticketId);
    const contexts = postHogTickets.length > 0 ? await supportContexts(db, postHogTickets) : new Map();
    return Promise.all(
      views.map(async (view) =>
        buildSurveyShownEvent(
          { ...view, ticketUuid: contexts.get(view.ticketId)?.ticketUuid },
          settings.posthog,
          // Fixed per survey and ticket: the one view a ticket reports carries it on every retry.
          await uuidFromName(`hedgehog-csat:survey-shown:${settings.posthog.surveyId}:${view.ticketId}`),
        ),
      ),
    );
  },
};

type DeliveryOptions = { ticketId?: number; fetcher?: typeof fetch };

/**
 * Delivers the events of one kind that PostHog has not accepted yet (or just one ticket's), oldest due
 * first, in one request. A failure leaves each of them pending with back-off; without a key they
 * simply stay pending, and the log says so.
 */
async function deliverPending<Row extends PendingCapture>(
  kind: CaptureKind<Row>,
  settings: Settings,
  db: D1Database,
  now: number,
  { ticketId, fetcher }: DeliveryOptions,
): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, failed: 0, skipped: 0 };
  const rows = await kind.claim(db, now, { limit: CAPTURE_BATCH_LIMIT, leaseMs: LEASE_MS, ticketId });
  if (rows.length === 0) return report;
  const apiKey = settings.posthog.apiKey;
  const backoff = (r: Row, atLeastMs: number) => ({
    ticketId: r.ticketId,
    nextAttemptAt: now + Math.max(atLeastMs, captureBackoffMs(r.captureAttempts)),
  });
  if (!apiKey) {
    console.log(`posthog: no POSTHOG_API_KEY set; ${rows.length} ${kind.noun} stay pending`);
    await markCaptureFailed(
      db,
      kind.table,
      rows.map((r) => backoff(r, 0)),
      "POSTHOG_API_KEY is not set",
    );
    report.skipped = rows.length;
    return report;
  }
  // Erased before it reached PostHog: there is no person to send it for any more.
  const erased = rows.filter((r) => r.distinctId === null);
  await markCaptured(db, kind.table, erased, now);
  report.skipped = erased.length;
  const sendable = rows.filter((r): r is Sendable<Row> => r.distinctId !== null);
  if (sendable.length === 0) return report;

  const outcome = await captureToPostHog(
    {
      apiKey,
      host: settings.posthog.host,
      fetch: fetcher,
      db,
      attempt: 1 + Math.min(...sendable.map((r) => r.captureAttempts)),
    },
    await kind.events(settings, db, sendable),
  );
  // Nothing is dropped: a refusal (a wrong key, a malformed event) waits like an outage, with the
  // longer of PostHog's Retry-After and our back-off, and the log says why.
  if (outcome.kind === "done") {
    await markCaptured(db, kind.table, sendable, now);
    report.delivered = sendable.length;
    return report;
  }
  const retryAfterMs = outcome.kind === "retry" ? outcome.afterMs : 0;
  await markCaptureFailed(
    db,
    kind.table,
    sendable.map((r) => backoff(r, retryAfterMs)),
    outcome.reason,
  );
  report.failed = sendable.length;
  console.warn(`posthog: ${sendable.length} ${kind.noun} not accepted (will retry): ${outcome.reason}`);
  return report;
}

/** `survey sent`: the answers PostHog has not accepted yet (or one ticket's, the queue's first attempt). */
export function deliverPendingResponses(
  settings: Settings,
  db: D1Database,
  now: number,
  options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  return deliverPending(ANSWERS, settings, db, now, options);
}

/** `survey shown`: the first views PostHog has not accepted yet (or one ticket's), as answers are. */
export function deliverPendingImpressions(
  settings: Settings,
  db: D1Database,
  now: number,
  options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  return deliverPending(IMPRESSIONS, settings, db, now, options);
}

/** The cron's PostHog step: every answer and every view still owed, each kind reported on its own. */
export async function deliverPendingEvents(
  settings: Settings,
  db: D1Database,
  now: number,
  options: { fetcher?: typeof fetch } = {},
): Promise<{ answers: DeliveryReport; shown: DeliveryReport }> {
  return {
    answers: await deliverPendingResponses(settings, db, now, options),
    shown: await deliverPendingImpressions(settings, db, now, options),
  };
}
