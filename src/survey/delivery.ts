import type { Settings } from "../config";
import { uuidFromName } from "../lib/ids";
import { captureToPostHog } from "../lib/posthog";
import { buildSurveySentEvent, buildSurveyShownEvent, captureBackoffMs } from "./posthog-event";
import { claimPendingCaptures, markCaptured, markCaptureFailed, type ResponseRow } from "./responses-store";

const LEASE_MS = 60_000;
/** At most this many events per cron run: keeps one invocation well inside its subrequest limit. */
export const CAPTURE_BATCH_LIMIT = 50;

export interface DeliveryReport {
  delivered: number;
  failed: number;
  skipped: number;
}

/** Fixed per ticket and survey, so PostHog treats an edited answer as the same submission. */
export function submissionIdFor(surveyId: string, ticketId: number): Promise<string> {
  return uuidFromName(`hedgehog-csat:submission:${surveyId}:${ticketId}`);
}

async function deliverRow(
  settings: Settings,
  db: D1Database,
  row: ResponseRow,
  now: number,
  fetcher?: typeof fetch,
): Promise<"delivered" | "failed" | "skipped"> {
  const apiKey = settings.posthog.apiKey;
  if (!apiKey) {
    console.log(`posthog: no POSTHOG_API_KEY set; ticket ${row.ticket_id} stays pending`);
    await markCaptureFailed(
      db,
      row.ticket_id,
      now + captureBackoffMs(row.capture_attempts),
      "POSTHOG_API_KEY is not set",
    );
    return "skipped";
  }
  if (row.distinct_id === null) {
    // Erased before it reached PostHog: there is no person to send it for any more.
    await markCaptured(db, row.ticket_id, row.version, now);
    return "skipped";
  }
  const event = buildSurveySentEvent(
    {
      ticketId: row.ticket_id,
      distinctId: row.distinct_id,
      team: row.team,
      initialTargetArea: row.initial_target_area,
      rating: row.rating,
      comment: row.comment,
      submittedAt: row.updated_at,
    },
    settings.posthog,
    {
      submissionId: await submissionIdFor(settings.posthog.surveyId, row.ticket_id),
      uuid: await uuidFromName(
        `hedgehog-csat:survey-sent:${settings.posthog.surveyId}:${row.ticket_id}:v${row.version}`,
      ),
    },
  );
  const failure = await captureToPostHog({ apiKey, host: settings.posthog.host, fetch: fetcher }, event);
  if (failure === null) {
    await markCaptured(db, row.ticket_id, row.version, now);
    return "delivered";
  }
  console.warn(
    `posthog: ticket ${row.ticket_id} v${row.version} not accepted (attempt ${row.capture_attempts + 1}): ${failure}`,
  );
  await markCaptureFailed(db, row.ticket_id, now + captureBackoffMs(row.capture_attempts), failure);
  return "failed";
}

/** Delivers every response PostHog has not accepted yet (or just one ticket's), oldest due first. */
export async function deliverPendingResponses(
  settings: Settings,
  db: D1Database,
  now: number,
  ticketId?: number,
  fetcher?: typeof fetch,
): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, failed: 0, skipped: 0 };
  const rows = await claimPendingCaptures(db, now, CAPTURE_BATCH_LIMIT, LEASE_MS, ticketId);
  for (const row of rows) report[await deliverRow(settings, db, row, now, fetcher)]++;
  return report;
}

/** Best effort: a lost impression costs nothing, a lost answer would. */
export async function captureSurveyShown(
  settings: Settings,
  view: { ticketId: number; distinctId: string; team: string; shownAt: number },
): Promise<void> {
  const apiKey = settings.posthog.apiKey;
  if (!apiKey) return;
  const uuid = await uuidFromName(`hedgehog-csat:survey-shown:${settings.posthog.surveyId}:${view.ticketId}`);
  const failure = await captureToPostHog(
    { apiKey, host: settings.posthog.host },
    buildSurveyShownEvent(view, settings.posthog, uuid),
  );
  if (failure !== null) console.warn(`posthog: survey shown for ticket ${view.ticketId} not accepted: ${failure}`);
}
