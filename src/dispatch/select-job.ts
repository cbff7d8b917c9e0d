import type { Settings } from "../config";
import { isValidEmail } from "../lib/email-address";
import type { QueueMessage } from "../queue-message";
import { decide, duePrefilter, surveyThrottledReason, throttleSince } from "./eligibility";
import { legacyRowsRemain } from "./fingerprints-store";
import { rulesFor, TICKET_SOURCES } from "./ticket-sources";
import { claimTickets, findDueCandidates, reclaimStale, recordSkips, type SkipDecision } from "./sends-store";

/** Bounds one run's work; the next run takes the rest. */
const MAX_TICKETS_PER_RUN = 25_000;
/** Tickets per queue message (one Resend batch) and messages per sendBatch call. */
const TICKETS_PER_MESSAGE = 100;
const MESSAGES_PER_SEND = 100;
export const STALE_CLAIM_MS = 60 * 60_000;

/** Queues claimed tickets for the consumer, one provider request's worth a message. */
export async function queueClaims(
  queue: Queue<QueueMessage>,
  kind: "survey-email" | "survey-reminder",
  ticketIds: number[],
): Promise<void> {
  const messages: Array<{ body: QueueMessage }> = [];
  for (let i = 0; i < ticketIds.length; i += TICKETS_PER_MESSAGE) {
    messages.push({ body: { kind, ticketIds: ticketIds.slice(i, i + TICKETS_PER_MESSAGE) } });
  }
  for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND)
    await queue.sendBatch(messages.slice(i, i + MESSAGES_PER_SEND));
}

export interface SelectReport {
  considered: number;
  claimed: number;
  requeued: number;
  skipped: Record<string, number>;
  /** Why no new ticket was decided this run, when one held it back. */
  held?: string;
}

/**
 * A deciding run's report (survey emails or reminders): its skips by reason, those the throttle made
 * as the claims were written counted under the throttle's reason with the others.
 */
export function selectReport(run: {
  considered: number;
  claimed: number[];
  requeued: number[];
  skipReasons: string[];
  throttled: { reason: string; tickets: number[] };
  held: string | undefined;
}): SelectReport {
  const skipped: Record<string, number> = {};
  for (const reason of run.skipReasons) skipped[reason] = (skipped[reason] ?? 0) + 1;
  const { reason, tickets } = run.throttled;
  if (tickets.length > 0) skipped[reason] = (skipped[reason] ?? 0) + tickets.length;
  return {
    considered: run.considered,
    claimed: run.claimed.length,
    requeued: run.requeued.length,
    skipped,
    ...(run.held ? { held: run.held } : {}),
  };
}

/**
 * Decides every due ticket: records skips with their reason, claims the rest (each ticket once,
 * whatever other run overlaps) and queues the claims for the consumer to email.
 */
export async function selectAndEnqueue(
  db: D1Database,
  queue: Queue<QueueMessage>,
  settings: Settings,
  now: number,
  options: { newClaims?: boolean } = {},
): Promise<SelectReport> {
  // The store's window is the widest of the sources' (the shortest delay); decide() applies each one's own.
  const widest = {
    ...settings.dispatch,
    delayDays: Math.min(...TICKET_SOURCES.map((s) => rulesFor(settings, s).delayDays)),
  };
  // Throttling and the suppression list go by keyed fingerprints: while an address is still known by an
  // older bare hash (the `fingerprints` cron step keys them), nothing new is decided.
  const held =
    options.newClaims !== false && (await legacyRowsRemain(db))
      ? "waiting for the addresses of older rows to be keyed (the fingerprints step)"
      : undefined;
  // With SURVEY_EMAILS off nothing new is decided; claims whose message was lost are still queued.
  const due =
    options.newClaims === false || held
      ? []
      : await findDueCandidates(db, duePrefilter(now, widest), MAX_TICKETS_PER_RUN);
  const skips: SkipDecision[] = [];
  const claims: Array<{ ticketId: number; addressFingerprint: string | null; ticketUpdatedAt: number }> = [];
  // Addresses claimed earlier in this same run count for throttling too.
  const claimedThisRun = new Set<string>();
  for (const t of due) {
    const decision = decide(
      {
        status: t.status,
        solvedAt: t.solvedAt,
        tags: t.tags,
        requesterRole: t.requesterRole,
        email: t.email,
        emailValid: t.email !== null && isValidEmail(t.email),
        suppressed: t.suppressed,
        lastSurveyedAt:
          t.addressFingerprint !== null && claimedThisRun.has(t.addressFingerprint) ? now : t.lastSurveyedAt,
        channel: t.channel,
      },
      rulesFor(settings, t.source),
      now,
    );
    const claim = {
      ticketId: t.ticketId,
      addressFingerprint: t.addressFingerprint,
      ticketUpdatedAt: t.ticketUpdatedAt,
    };
    if (decision.kind === "skip") skips.push({ ...claim, reason: decision.reason });
    else if (decision.kind === "send") {
      claims.push(claim);
      if (t.addressFingerprint !== null) claimedThisRun.add(t.addressFingerprint);
    }
  }
  await recordSkips(db, skips, now);
  const throttle = {
    since: throttleSince(settings.dispatch, now),
    reason: surveyThrottledReason(settings.dispatch.throttleDays),
  };
  const { claimed, throttled } = await claimTickets(db, claims, now, throttle);
  const requeued = await reclaimStale(db, now, STALE_CLAIM_MS, 1000);
  await queueClaims(queue, "survey-email", [...claimed, ...requeued]);
  return selectReport({
    considered: due.length,
    claimed,
    requeued,
    skipReasons: skips.map((s) => s.reason),
    throttled: { reason: throttle.reason, tickets: throttled },
    held,
  });
}
